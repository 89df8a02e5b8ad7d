// A named place in a page that plugins contribute to; the shell renders what goes in it.
import type { ReactNode } from 'react';
import { type SlotRequest, useShell } from './shell/shell-context.ts';

/**
 * Renders the contributions of every enabled plugin to a slot at `path`, each in its own error
 * boundary: detail tabs as a tab list, dashboard widgets and settings panels as a grid.
 */
export function Slot(props: SlotRequest): ReactNode {
  return useShell().renderSlot(props);
}
