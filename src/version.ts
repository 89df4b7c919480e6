/**
 * The frontend's version; a jest test keeps it equal to package.json's, and the panel compares
 * it with the server extension's version to spot a mismatched install.
 */
export const FRONTEND_VERSION = '0.1.0';
