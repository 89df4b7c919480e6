#!/bin/bash
# jupyter-mlkit template: set git's user name and e-mail for the server's user.
set -euo pipefail

GIT_NAME={{GIT_NAME}}
GIT_EMAIL={{GIT_EMAIL}}

git config --global user.name "$GIT_NAME"
git config --global user.email "$GIT_EMAIL"
echo "git identity: $(git config --global user.name) <$(git config --global user.email)>"
