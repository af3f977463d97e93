import { fakeApi, renderWithApi, MEMBER, noContent, OWNER, problem } from './testApi'; // first: see testApi.tsx
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MembersPanel } from './MembersPanel';
import { InvitationsPanel } from './InvitationsPanel';

const member = (id: string, email: string, role: string, user_id = `user-${id}`) => ({ id, user_id, email, role, created_at: '2026-01-01T00:00:00Z' });

afterEach(() => vi.unstubAllGlobals());

describe('MembersPanel', () => {
  it('changes a role, shows the server problem when it refuses, and removes after a confirm', async () => {
    const items = [member('m1', 'owner@acme.example', 'owner', 'u1'), member('m2', 'bob@acme.example', 'member')];
    const api = fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/members': () => ({ items, next_cursor: null }),
      'PATCH /api/v1/members/m2': (c) => { items[1] = { ...items[1], role: (c.body as { role: string }).role }; return items[1]; },
      'PATCH /api/v1/members/m1': problem(409, 'an organization keeps at least one owner'),
      'DELETE /api/v1/members/m2': () => { items.splice(1, 1); return noContent(); },
    });
    const user = userEvent.setup();
    renderWithApi(<MembersPanel />);
    const bob = await screen.findByTestId('member-bob@acme.example');
    expect(screen.getByTestId('member-owner@acme.example')).toHaveTextContent('(you)');

    await user.click(within(bob).getByRole('combobox', { name: 'Role of bob@acme.example' }));
    await user.click(await screen.findByRole('option', { name: 'admin' }));
    await waitFor(() => expect(api.to('PATCH', '/api/v1/members/m2')).toHaveLength(1));
    expect(api.to('PATCH', '/api/v1/members/m2')[0].body).toEqual({ role: 'admin' });
    await waitFor(() => expect(within(bob).getByRole('combobox', { name: 'Role of bob@acme.example' })).toHaveValue('admin'));

    // demoting the only owner: the server says no and the console shows its words
    await user.click(screen.getByRole('combobox', { name: 'Role of owner@acme.example' }));
    await user.click(await screen.findByRole('option', { name: 'viewer' }));
    expect(await screen.findByTestId('members-error')).toHaveTextContent('an organization keeps at least one owner');
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Role of owner@acme.example' })).toHaveValue('owner'));

    await user.click(within(bob).getByRole('button', { name: 'Remove bob@acme.example' }));
    const dialog = await screen.findByRole('dialog', { name: 'Remove bob@acme.example?' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.queryByTestId('member-bob@acme.example')).not.toBeInTheDocument());
    expect(api.to('DELETE', '/api/v1/members/m2')).toHaveLength(1);
  });

  it('shows roles read-only to a member', async () => {
    fakeApi({
      'GET /api/v1/auth/me': MEMBER,
      'GET /api/v1/members': { items: [member('m1', 'owner@acme.example', 'owner')], next_cursor: null },
    });
    renderWithApi(<MembersPanel />);
    const row = await screen.findByTestId('member-owner@acme.example');
    expect(within(row).getByText('owner')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Remove/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('combobox')).not.toBeInTheDocument();
  });
});

describe('InvitationsPanel', () => {
  it('invites by email and role, shows the accept link once, lists and revokes pending ones', async () => {
    const pending: { id: string; email: string; role: string; expires_at: string; created_at: string }[] = [];
    const api = fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/invitations': () => ({ items: pending, next_cursor: null }),
      'POST /api/v1/invitations': (c) => {
        const body = c.body as { email: string; role: string };
        const inv = { id: 'i1', ...body, expires_at: '2026-01-08T00:00:00Z', created_at: '2026-01-01T00:00:00Z' };
        pending.push(inv);
        return { ...inv, accepted_at: null, token: 'tok_secret123' };
      },
      'DELETE /api/v1/invitations/i1': () => { pending.length = 0; return noContent(); },
    });
    const user = userEvent.setup();
    renderWithApi(<InvitationsPanel />);
    await user.type(await screen.findByRole('textbox', { name: 'Email' }), 'carol@acme.example');
    await user.click(screen.getByRole('combobox', { name: 'Role' }));
    await user.click(await screen.findByRole('option', { name: 'viewer' }));
    await user.click(screen.getByRole('button', { name: 'Invite' }));
    expect(await screen.findByTestId('invitation-link')).toHaveTextContent(`${window.location.origin}/invite/tok_secret123`);
    expect(api.to('POST', '/api/v1/invitations')[0].body).toEqual({ email: 'carol@acme.example', role: 'viewer' });
    expect(screen.getByRole('textbox', { name: 'Email' })).toHaveValue('');

    const row = await screen.findByTestId('invitation-carol@acme.example');
    expect(row).toHaveTextContent('viewer');
    expect(row).not.toHaveTextContent('tok_secret123'); // the list never has the token
    await user.click(within(row).getByRole('button', { name: 'Revoke invitation for carol@acme.example' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(screen.queryByTestId('invitation-carol@acme.example')).not.toBeInTheDocument());
    expect(api.to('DELETE', '/api/v1/invitations/i1')).toHaveLength(1);
  });

  it('shows a member the admins-only note and asks nothing', async () => {
    const api = fakeApi({ 'GET /api/v1/auth/me': MEMBER });
    renderWithApi(<InvitationsPanel />);
    expect(await screen.findByTestId('admin-note')).toHaveTextContent('Only owners and admins invite people.');
    expect(api.calls.map((c) => c.path)).toEqual(['/api/v1/auth/me']);
  });
});
