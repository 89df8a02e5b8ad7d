// The admin portal's Provisioning page (/provisioning): every service and where provisioning
// has it, failed ones to retry, and reconciliation against the network.
import { type ContributionProps, PageFrame } from '@dotmac/ui';
import { useId, useState } from 'react';
import { FILTER, SECTION } from './layout.ts';
import { ReconciliationPanel } from './ReconciliationPanel.tsx';
import { ServicesTable } from './ServicesTable.tsx';
import type { ServiceState } from './service-types.ts';
import { SERVICE_STATES, stateWord } from './words.ts';

export default function Provisioning(_props: ContributionProps) {
  const filter = useId();
  const [state, setState] = useState<ServiceState | ''>('');
  const [generation, setGeneration] = useState(0);
  const changed = () => setGeneration((n) => n + 1);

  return (
    <PageFrame title="Provisioning">
      <section aria-labelledby="provisioning-services" style={SECTION}>
        <h2 id="provisioning-services">Services</h2>
        <div className="dm-field" style={FILTER}>
          <label htmlFor={filter} className="dm-field__label">
            State
          </label>
          <select id={filter} value={state} onChange={(event) => setState(event.target.value as ServiceState | '')}>
            <option value="">Every state</option>
            {SERVICE_STATES.map((each) => (
              <option key={each} value={each}>
                {stateWord(each)}
              </option>
            ))}
          </select>
        </div>
        <ServicesTable state={state} reloadKey={generation} onChange={changed} />
      </section>
      <ReconciliationPanel onRepaired={changed} />
    </PageFrame>
  );
}
