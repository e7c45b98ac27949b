// What a front end writes against the generated types, with no cast and no hand edit. `npm run check`
// regenerates src/schema.d.ts from openapi/openapi.json and compiles this file with `tsc --strict`
// (.ci/run does it), so a contract change that breaks these uses fails the build.
import createClient, { type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema";

export type Member = components["schemas"]["MemberPage"]["items"][number];
export type Problem = components["schemas"]["Problem"];
export type ProblemCode = components["schemas"]["ProblemCode"];
export type MotionOut = components["schemas"]["MotionOut"];

export function connect(baseUrl: string, token: string) {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  client.use(honourRetryAfter());
  return client;
}

/**
 * Under overload a gonghui process answers 503 at once (`overloaded`, `database_busy`,
 * `database_unavailable`) with `Retry-After` in seconds, instead of letting the request queue. A read
 * waits as asked and is sent again, up to `attempts` times; a write is left to the caller, who resends it
 * with the same `Idempotency-Key`.
 */
export function honourRetryAfter(attempts = 3, maxWaitSeconds = 30): Middleware {
  return {
    async onResponse({ request, response }) {
      if (response.status !== 503 || (request.method !== "GET" && request.method !== "HEAD")) {
        return undefined;
      }
      let answer = response;
      for (let attempt = 0; attempt < attempts && answer.status === 503; attempt++) {
        const asked = Number(answer.headers.get("Retry-After") ?? "1");
        const seconds = Number.isFinite(asked) && asked >= 0 ? Math.min(asked, maxWaitSeconds) : 1;
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        answer = await fetch(request.clone());
      }
      return answer;
    },
  };
}

export type Client = ReturnType<typeof connect>;

/** A problem's stable code, as the UI branches on it; every error response carries one. */
export function describe(problem: Problem): string {
  const code: ProblemCode = problem.code;
  switch (code) {
    case "version_mismatch":
      return "Someone changed this record meanwhile: reload it and try again.";
    case "if_match_required":
      return "Reload the record first.";
    case "permission_denied":
      return `You lack the permission ${String(problem["permission"] ?? "")}.`;
    default:
      return problem.detail;
  }
}

/** One page of members: every list takes `limit` and `cursor` and answers `items` and `next_cursor`. */
export async function memberPage(
  client: Client,
  orgUnitId: string,
  cursor: string | null,
): Promise<components["schemas"]["MemberPage"]> {
  const { data, error, response } = await client.GET("/api/v1/members", {
    params: { query: { org_unit_id: orgUnitId, limit: 200, cursor } },
  });
  if (error) {
    throw new Error(`${response.status} ${error.code}: ${describe(error)}`);
  }
  return data;
}

/** Every member of a unit's subtree, page by page until `next_cursor` is null. */
export async function allMembers(client: Client, orgUnitId: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await memberPage(client, orgUnitId, cursor);
    for (const member of page.items) {
      // the discriminated union: names only for treasurers, the masked record for others
      names.push(member.view === "full" ? `${member.name} ${member.national_id_masked}` : member.name);
    }
    cursor = page.next_cursor;
  } while (cursor !== null);
  return names;
}

/** A 422 lists every field at fault; its `errors` are typed. */
export async function createMember(
  client: Client,
  body: components["schemas"]["MemberCreate"],
): Promise<string | string[]> {
  const { data, error, response } = await client.POST("/api/v1/members", {
    body,
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  });
  if (error) {
    if (error.status === 422) {
      // every field at fault, at once
      return error.errors.map((e) => `${e.field} (${e.code}): ${e.message}`);
    }
    const code: ProblemCode = error.code;
    if (code === "member_employee_no_taken") {
      return ["employee number taken"];
    }
    return [describe(error)];
  }
  const location: string | null = response.headers.get("Location");
  return location ?? data.id;
}

/** A motion step with If-Match: read the ETag, submit, and handle a stale version by its code. */
export async function submitMotion(client: Client, motionId: string): Promise<MotionOut | ProblemCode> {
  const read = await client.GET("/api/v1/motions/{motion_id}", {
    params: { path: { motion_id: motionId } },
  });
  if (read.error) {
    return read.error.code;
  }
  const etag = read.response.headers.get("ETag") ?? `"${read.data.version}"`;
  const { data, error } = await client.POST("/api/v1/motions/{motion_id}/submit", {
    params: { path: { motion_id: motionId }, header: { "If-Match": etag } },
    body: { as_suggestion: false },
  });
  if (error) {
    if (error.code === "version_mismatch" || error.code === "motion_illegal_transition") {
      return error.code;
    }
    throw new Error(describe(error));
  }
  return data;
}

/** Any list, to its end: timelines, catalogues and grant lists page like members do (issue 17). */
export type PageOf<T> = { items: T[]; next_cursor: string | null };

export async function collect<T>(fetchPage: (cursor: string | null) => Promise<PageOf<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page: PageOf<T> = await fetchPage(cursor);
    all.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return all;
}

/** A negotiation's timeline, every step, through the same pager as any other list. */
export async function negotiationSteps(client: Client, negotiationId: string): Promise<string[]> {
  const events = await collect(async (cursor) => {
    const { data, error } = await client.GET("/api/v1/negotiations/{negotiation_id}/timeline", {
      params: { path: { negotiation_id: negotiationId }, query: { limit: 200, cursor } },
    });
    if (error) {
      throw new Error(describe(error));
    }
    return data;
  });
  return events.map((event) => event.kind);
}

export type AuditAction = components["schemas"]["AuditAction"];

/** Audit events filtered by an action of the closed set (a value outside it is a 422, and a type error). */
export async function failedLogins(client: Client): Promise<number> {
  const action: AuditAction = "auth.login_failed";
  const { data, error } = await client.GET("/api/v1/audit-events", {
    params: { query: { action, limit: 200 } },
  });
  if (error) {
    throw new Error(describe(error));
  }
  return data.items.filter((event) => event.action === action).length;
}
