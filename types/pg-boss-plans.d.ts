/** pg-boss's SQL statements (plain functions returning SQL text): the Worker's job writer uses its insert. */
declare module 'pg-boss/src/plans.js' {
  export function insertJob(schema: string): string;
}
