import { sql } from 'drizzle-orm';
import type { DataRequestKind } from '../core/ports/accounts';
import { auditLog } from './schema';

/** The audit entry a customer's data request is, and those that fulfil it (the operator commands'). */
export const DATA_REQUESTED = 'customer.data_requested';
const FULFILLED_BY: Record<DataRequestKind, string> = {
  export: 'customer.exported',
  erase: 'customer.erased',
};

/**
 * Data requests not fulfilled yet: a `customer.data_requested` entry with no entry fulfilling its kind after it (an
 * erasure fulfils both kinds: nothing is left to copy).
 * Kept in the audit log, where the fulfilment is written anyway: a request and its answer cannot disagree.
 */
export const openRequests = (where = sql`true`) => sql`
  select r.id, r.at, r.account_id as "accountId", r.actor, r.details->>'kind' as kind, r.details->>'request' as request
  from ${auditLog} r
  where r.action = ${DATA_REQUESTED} and ${where}
    and not exists (
      select 1 from ${auditLog} f
      where f.account_id = r.account_id and f.id > r.id
        and (f.action = ${FULFILLED_BY.erase}
          or (r.details->>'kind' = 'export' and f.action = ${FULFILLED_BY.export}))
    )
  order by r.id`;

export type OpenRequestRow = {
  id: number;
  at: string | Date;
  accountId: string;
  actor: string;
  kind: DataRequestKind;
  request: string | null;
};
