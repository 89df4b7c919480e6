import { act, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';

import { CapabilitySection } from '../components/CapabilitySection';
import { JobsSection } from '../components/JobsSection';
import { ProfileForm } from '../components/ProfileForm';
import { job } from './fakeServer';

describe('panel components', () => {
  it('says when a capability is not built yet', () => {
    render(
      <CapabilitySection
        name="spot"
        title="Spot training"
        blurb="b"
        capability={{
          title: 't',
          built: false,
          wired: false,
          usable: false,
          reason: 'x'
        }}
      />
    );
    expect(screen.getByText('Not built yet in this version.')).toBeTruthy();
  });

  it('shows a job with its progress and a profile result table', () => {
    const onCancel = jest.fn();
    render(
      <JobsSection
        jobs={[
          job(),
          job({ id: 'c'.repeat(32), state: 'running', progress: 0.42 })
        ]}
        total={3}
        onCancel={onCancel}
        onDelete={jest.fn()}
      />
    );
    const bars = screen.getAllByRole('progressbar');
    expect(bars[0].getAttribute('aria-valuenow')).toBe('100');
    expect(bars[1].getAttribute('aria-valuenow')).toBe('42');
    fireEvent.click(screen.getAllByText('profile sales.csv')[0]);
    expect(screen.getByText('3 rows, 1 columns')).toBeTruthy();
    fireEvent.click(screen.getByText('Cancel'));
    expect(onCancel).toHaveBeenCalledWith('c'.repeat(32));
    expect(screen.getByText('1 older jobs not shown')).toBeTruthy();
  });

  it('shows the error of a failed job', () => {
    render(
      <JobsSection
        jobs={[
          job({
            state: 'failed',
            error: { code: 'x', message: 'file is corrupt' }
          })
        ]}
        total={1}
        onCancel={jest.fn()}
        onDelete={jest.fn()}
      />
    );
    expect(screen.getByRole('alert').textContent).toBe('file is corrupt');
  });

  it('shows the server message when starting a job fails', async () => {
    const onSubmit = jest
      .fn()
      .mockRejectedValue(new Error('outside the server root'));
    render(<ProfileForm onSubmit={onSubmit} />);
    fireEvent.change(screen.getByPlaceholderText('data/sales.csv'), {
      target: { value: ' ../x.csv ' }
    });
    await act(async () => {
      fireEvent.click(screen.getByText('Profile'));
    });
    expect(onSubmit).toHaveBeenCalledWith('../x.csv');
    expect(screen.getByRole('alert').textContent).toBe(
      'outside the server root'
    );
  });
});
