import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithProviders } from '../../test/render';
import { matches, SelectionEditor, type DiscoveredTable } from './SelectionEditor';

const TABLES: DiscoveredTable[] = [
  { name: 'contacts', columns: [{ name: 'id', type: 'BIGINT' }, { name: 'email', type: 'VARCHAR' }, { name: 'SSN', type: 'VARCHAR' }, { name: 'api_key', type: 'VARCHAR' }], primary_key: ['id'] },
  { name: 'accounts', columns: [{ name: 'id', type: 'VARCHAR' }, { name: 'name', type: 'VARCHAR' }], primary_key: [] },
  { name: 'audit_2024', columns: [{ name: 'entry', type: 'VARCHAR' }], primary_key: [] },
];

describe('matches', () => {
  it('follows the engine: case-insensitive, snake_case, globs', () => {
    expect(matches('ssn', 'SSN')).toBe(true);
    expect(matches('account_id', 'AccountId')).toBe(true);
    expect(matches('audit_*', 'audit_2024')).toBe(true);
    expect(matches('audit', 'audit_2024')).toBe(false);
    expect(matches('*_key', 'api_key')).toBe(true);
  });
});

describe('SelectionEditor', () => {
  it('leaves tables and columns out with the keyboard and saves the select block', async () => {
    const onSave = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<SelectionEditor tables={TABLES} value={null} onSave={onSave} />);
    expect(screen.getByText(/3 of 3 tables selected/)).toBeInTheDocument();
    const accounts = screen.getByRole('checkbox', { name: 'accounts' });
    expect(accounts).toBeChecked();
    accounts.focus();
    await user.keyboard(' ');
    expect(accounts).not.toBeChecked();
    await user.click(screen.getByRole('button', { name: 'Choose columns of contacts' }));
    expect(screen.getByRole('button', { name: 'Hide columns of contacts' })).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('checkbox', { name: 'Leave out contacts.id' })).toBeDisabled(); // the primary key
    await user.click(screen.getByRole('checkbox', { name: 'Leave out contacts.SSN' }));
    await user.click(screen.getByRole('checkbox', { name: 'Leave out contacts.api_key' }));
    expect(screen.getByText('2 columns left out')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save selection' }));
    expect(onSave).toHaveBeenCalledWith({
      tables: ['contacts', 'audit_2024'], exclude_tables: [], exclude_columns: { contacts: ['SSN', 'api_key'] },
    });
  });

  it('shows a saved selection, keeps its patterns and saves everything as tables: null', async () => {
    const onSave = vi.fn();
    const user = userEvent.setup();
    renderWithProviders(<SelectionEditor tables={TABLES} onSave={onSave}
      value={{ exclude_tables: ['audit_*'], exclude_columns: { '*': ['api_key'], contacts: ['ssn'] } }} />);
    const audit = screen.getByRole('checkbox', { name: 'audit_2024' });
    expect(audit).not.toBeChecked();
    expect(audit).toBeDisabled();
    expect(screen.getByText('left out by pattern audit_*')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Choose columns of contacts' }));
    expect(screen.getByRole('checkbox', { name: 'Leave out contacts.SSN' })).toBeChecked();
    const key = screen.getByRole('checkbox', { name: 'Leave out contacts.api_key' });
    expect(key).toBeChecked();
    expect(key).toBeDisabled();
    await user.click(screen.getByRole('checkbox', { name: 'Leave out contacts.SSN' }));
    await user.click(screen.getByRole('button', { name: 'Save selection' }));
    expect(onSave).toHaveBeenCalledWith({ tables: null, exclude_tables: ['audit_*'], exclude_columns: { '*': ['api_key'] } });
  });

  it('refuses to save with no table', async () => {
    const user = userEvent.setup();
    renderWithProviders(<SelectionEditor tables={TABLES.slice(1, 2)} onSave={vi.fn()} />);
    await user.click(screen.getByRole('checkbox', { name: 'accounts' }));
    expect(screen.getByText('Select at least one table.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save selection' })).toBeDisabled();
  });
});
