// How the provisioning screens write the plugin's enum values for people.
import type { DriftKind, ServiceState } from './service-types.ts';

const STATES: Readonly<Record<ServiceState, string>> = {
  'awaiting-credentials': 'Awaiting credentials',
  provisioning: 'Provisioning',
  active: 'Active',
  suspended: 'Suspended',
  deprovisioned: 'Deprovisioned',
  failed: 'Failed',
};

const DRIFT: Readonly<Record<DriftKind, string>> = {
  'suspended-online': 'Suspended but online',
  'suspended-not-walled': 'Suspended but not walled',
  'state-mismatch': 'AAA state differs',
  'active-missing': 'AAA account missing',
  'orphan-account': 'Orphan AAA account',
  'address-mismatch': 'Address differs',
  'address-duplicate': 'Address shared',
};

const REPAIRS: Readonly<Record<string, string>> = {
  're-apply': 'Apply again',
  'remove-account': 'Remove the AAA account',
  'reset-account': 'Reset the AAA account',
  none: 'Nothing provisioning can do',
};

export const SERVICE_STATES = Object.keys(STATES) as ServiceState[];
export const stateWord = (state: ServiceState): string => STATES[state] ?? state;
export const driftWord = (kind: DriftKind): string => DRIFT[kind] ?? kind;
export const repairWord = (repair: string): string => REPAIRS[repair] ?? repair;
export const accessWord = (access: 'pppoe' | 'ipoe'): string => (access === 'pppoe' ? 'PPPoE' : 'IPoE');
