// The kernel's migrations, in order. Forward-only: a released migration is never edited.
import { Migration0001KernelCore } from './0001-kernel-core.ts';

export const kernelMigrations = [{ name: '0001-kernel-core', class: Migration0001KernelCore }];
