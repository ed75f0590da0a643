import { archiveRole } from '../archive/archiveRole.ts';
import type { ConsumerRole } from './ConsumerRole.ts';
import { dashboardRole } from '../dashboard/dashboardRole.ts';

/** The roles `centos consume --role` accepts; a role is listed only once it works. */
export const consumerRoles: Record<string, ConsumerRole> = {
  dashboard: dashboardRole,
  archive: archiveRole,
};
