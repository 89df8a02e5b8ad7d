// The admin portal's customers page (plugin.json contributes it as ./Customers at /customers).
// A stub for now: it renders the accounts it is given and the search box that will drive
// GET /accounts?q=…; fetching comes with the shell's API client.
import { useState } from 'react';

/** An account as GET /accounts lists it. */
export interface AccountSummary {
  readonly id: string;
  readonly number: string;
  readonly name: string;
  readonly status: 'lead' | 'active' | 'suspended' | 'terminated';
  readonly primaryContact: { readonly email: string | null; readonly phone: string | null } | null;
}

export default function Customers({ accounts = [] }: { readonly accounts?: readonly AccountSummary[] }) {
  const [q, setQ] = useState('');
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = accounts.filter((account) => {
    const text = `${account.number} ${account.name} ${account.primaryContact?.email ?? ''} ${account.primaryContact?.phone ?? ''}`;
    return words.every((word) => text.toLowerCase().includes(word));
  });
  return (
    <section>
      <h1>Customers</h1>
      <label>
        Search{' '}
        <input value={q} onChange={(event) => setQ(event.target.value)} placeholder="name, email, phone, number" />
      </label>
      {shown.length === 0 ? (
        <p>No customer found.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Number</th>
              <th>Name</th>
              <th>Status</th>
              <th>Email</th>
              <th>Phone</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((account) => (
              <tr key={account.id}>
                <td>{account.number}</td>
                <td>{account.name}</td>
                <td>{account.status}</td>
                <td>{account.primaryContact?.email ?? ''}</td>
                <td>{account.primaryContact?.phone ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
