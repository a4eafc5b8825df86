// The organization's audit log (owners and admins: audit.read), newest first, filtered by
// action (or an action prefix such as "member"), actor, resource and a date range; more
// events are fetched a page at a time.
import type { AuditEvent } from "@privexbot/client";
import { useCallback, useEffect, useState, type FormEvent } from "react";

import { useAction } from "./action";
import { text, timestamp, when } from "./format";
import { call, client } from "./session";
import { TableHead } from "./Table";

const PAGE_SIZE = 50;

/** ListAuditEvents' filters, as the form holds them. */
interface Filters {
  action: string;
  actor: string;
  resource: string;
  from: string;
  to: string;
}

const NONE: Filters = { action: "", actor: "", resource: "", from: "", to: "" };

/** A date input's value ("2026-12-05") as a timestamp at local midnight, `days` later. */
const day = (value: string, days = 0) => {
  if (!value) return undefined;
  const date = new Date(`${value}T00:00`);
  date.setDate(date.getDate() + days);
  return timestamp(date);
};

export function Audit({ organization }: { organization: string }) {
  const [filters, setFilters] = useState<Filters>(NONE);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState("");
  const [error, act] = useAction();

  const fetchPage = useCallback(
    (pageToken: string) =>
      act(async () => {
        const answer = await call(() =>
          client.tenant.listAuditEvents({
            parent: organization,
            pageSize: PAGE_SIZE,
            pageToken,
            action: filters.action,
            actor: filters.actor,
            resource: filters.resource,
            startTime: day(filters.from),
            endTime: day(filters.to, 1), // the whole "to" day
          }),
        );
        setEvents((shown) => (pageToken ? [...shown, ...answer.auditEvents] : answer.auditEvents));
        setNext(answer.nextPageToken);
      }),
    [act, organization, filters],
  );
  useEffect(() => {
    fetchPage("");
  }, [fetchPage]);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFilters({
      action: text(form, "action").trim(),
      actor: text(form, "actor").trim(),
      resource: text(form, "resource").trim(),
      from: text(form, "from"),
      to: text(form, "to"),
    });
  };

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form onSubmit={apply} className="row" aria-label="Audit filters">
        <label>
          Action
          <input name="action" placeholder="member, auth.login.failed" maxLength={128} />
        </label>
        <label>
          Actor
          <input name="actor" placeholder="users/…" maxLength={256} />
        </label>
        <label>
          Resource
          <input name="resource" maxLength={512} />
        </label>
        <label>
          From
          <input name="from" type="date" />
        </label>
        <label>
          To
          <input name="to" type="date" />
        </label>
        <button type="submit">Filter</button>
        <button type="reset" className="secondary" onClick={() => setFilters(NONE)}>
          Clear
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      <table>
        <TableHead caption="Audit events" columns={["When", "Action", "Actor", "Resource", "Details"]} />
        <tbody>
          {events.map((event) => (
            <tr key={event.name}>
              <td>{when(event.eventTime)}</td>
              <td data-testid="audit-action">{event.action}</td>
              <td>{event.actor || "anonymous"}</td>
              <td>{event.resource}</td>
              <td>
                {Object.entries(event.details)
                  .map(([key, value]) => `${key}: ${value}`)
                  .join(", ")}
              </td>
            </tr>
          ))}
          {events.length === 0 && (
            <tr>
              <td colSpan={5}>No event matches.</td>
            </tr>
          )}
        </tbody>
      </table>
      {next && (
        <button className="secondary" onClick={() => fetchPage(next)}>
          Load more
        </button>
      )}
    </section>
  );
}
