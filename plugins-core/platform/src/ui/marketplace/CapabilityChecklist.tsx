// The capabilities a package asks for, one checkbox each: the operator ticks every one before
// installing or upgrading (the kernel refuses a capability not approved, naming it).
import { CheckboxField } from '@dotmac/ui';

export interface CapabilityChecklistProps {
  readonly capabilities: readonly string[];
  readonly ticked: ReadonlySet<string>;
  readonly onChange: (ticked: ReadonlySet<string>) => void;
  /** Capabilities the installed version already had: the others are marked new. */
  readonly had?: readonly string[];
}

export function CapabilityChecklist({ capabilities, ticked, onChange, had }: CapabilityChecklistProps) {
  const toggle = (capability: string, on: boolean) => {
    const next = new Set(ticked);
    if (on) next.add(capability);
    else next.delete(capability);
    onChange(next);
  };
  return (
    <fieldset className="dm-fieldset">
      <legend>What it asks to be allowed</legend>
      {capabilities.length === 0 ? (
        <p>Nothing: no tables, routes, events, egress or secrets.</p>
      ) : (
        <>
          <p className="dm-field__hint">Tick each one you allow; all are needed to go on.</p>
          {capabilities.map((capability) => (
            <CheckboxField
              key={capability}
              label={<code>{capability}</code>}
              hint={had && !had.includes(capability) ? 'New in this version' : undefined}
              checked={ticked.has(capability)}
              onChange={(on) => toggle(capability, on)}
            />
          ))}
        </>
      )}
    </fieldset>
  );
}
