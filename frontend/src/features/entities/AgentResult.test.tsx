import { screen } from '@testing-library/react';
import { renderWithProviders } from '../../test/render';
import { AgentResult, formatValue } from './AgentResult';

describe('AgentResult', () => {
  it('renders figures, record tables, badges and unavailable sections of any agent', () => {
    renderWithProviders(
      <AgentResult
        result={{
          agent: 'finops',
          summary: 'Spend 17,851.61 USD',
          spend: { available: true, total: 17851.61, line_items: 2023, currencies: ['USD', 'EUR'] },
          by_service: { available: true, items: [{ name: 'AmazonEC2', cost: 12302.51, share: 0.6892 }, { name: 'AmazonS3', cost: 724.1, share: 0.0406 }] },
          anomalies: { available: false, reason: 'needs 7 days of cost data' },
        }}
      />,
    );
    expect(screen.getByText('Spend 17,851.61 USD')).toBeInTheDocument();
    expect(screen.getByText('17,851.61')).toBeInTheDocument();
    expect(screen.getByText('2,023')).toBeInTheDocument();
    expect(screen.getByText('EUR')).toBeInTheDocument();
    const table = screen.getByRole('table', { name: 'Items' });
    expect(table).toHaveTextContent('AmazonEC2');
    expect(table).toHaveTextContent('68.9 %');
    expect(screen.getByText('Not available: needs 7 days of cost data')).toBeInTheDocument();
  });

  it('formats rates as percentages and leaves other numbers alone', () => {
    expect(formatValue('win_rate', 0.6091)).toBe('60.9 %');
    expect(formatValue('rate', 0.5)).toBe('50.0 %');
    expect(formatValue('amount', 1975500)).toBe('1,975,500');
    expect(formatValue('x', null)).toBe('—');
  });
});
