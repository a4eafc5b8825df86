// A chatbot's (or chatflow's) analytics over a chosen range: totals, conversations and
// messages per day as SVG bar charts (one GetChatbotAnalytics call per day: the API
// aggregates a range), feedback, knowledge hit rate and unanswered questions.
import type { ChatbotAnalytics } from "@privexbot/client";
import { useEffect, useState } from "react";

import { useAction } from "./action";
import { timestamp } from "./format";
import { call } from "./session";

const DAY = 86_400_000;

/** The last `count` local days, oldest first: [{label, start, end}]. */
interface Day {
  label: string;
  start: Date;
  end: Date;
}
type Counted = "conversations" | "messages";
type DayCounts = Day & Record<Counted, number>;
type Timestamp = ReturnType<typeof timestamp>;

function days(count: number): Day[] {
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  return Array.from({ length: count }, (_, i) => {
    const start = new Date(today.getTime() - (count - 1 - i) * DAY);
    return { label: `${start.getMonth() + 1}/${start.getDate()}`, start, end: new Date(start.getTime() + DAY) };
  });
}

interface AnalyticsProps {
  name: string;
  query: (request: { name: string; startTime: Timestamp; endTime: Timestamp }) => Promise<ChatbotAnalytics>;
}

export function Analytics({ name, query }: AnalyticsProps) {
  const [range, setRange] = useState(7);
  const [totals, setTotals] = useState<ChatbotAnalytics | null>(null);
  const [series, setSeries] = useState<DayCounts[]>([]);
  const [error, act] = useAction();

  useEffect(() => {
    const span = days(range);
    const ask = (start: Date, end: Date) => call(() => query({ name, startTime: timestamp(start), endTime: timestamp(end) }));
    act(async () => {
      const [all, ...daily] = await Promise.all([
        ask(span[0].start, new Date()),
        ...span.map((day) => ask(day.start, day.end)),
      ]);
      setTotals(all);
      setSeries(span.map((day, i) => ({ ...day, conversations: Number(daily[i].conversations), messages: Number(daily[i].messages) })));
    });
  }, [act, query, name, range]);

  const rated = totals ? Number(totals.feedbackUp) + Number(totals.feedbackDown) : 0;
  return (
    <section aria-labelledby="analytics-title">
      <h2 id="analytics-title">Analytics</h2>
      {error && <p role="alert">{error}</p>}
      <label className="row">
        Range
        <select value={range} onChange={(event) => setRange(Number(event.target.value))}>
          <option value={7}>last 7 days</option>
          <option value={14}>last 14 days</option>
          <option value={30}>last 30 days</option>
        </select>
      </label>
      {totals && (
        <>
          <dl className="figures" data-testid="analytics-totals">
            <Figure label="Conversations" value={totals.conversations} />
            <Figure label="Messages" value={totals.messages} />
            <Figure label="Visitors" value={totals.uniqueVisitors} />
            <Figure label="Tokens" value={Number(totals.promptTokens) + Number(totals.completionTokens)} />
            <Figure label="Thumbs up" value={totals.feedbackUp} />
            <Figure label="Thumbs down" value={totals.feedbackDown} />
            <Figure label="Knowledge hit rate" value={`${Math.round(totals.knowledgeHitRate * 100)}%`} />
          </dl>
          {rated === 0 && <p>No feedback in this range.</p>}
          <div className="charts">
            <BarChart title="Conversations per day" series={series} field="conversations" />
            <BarChart title="Messages per day" series={series} field="messages" />
          </div>
          <h3>Unanswered questions</h3>
          <ul aria-label="Unanswered questions">
            {totals.unansweredQuestions.map((question, i) => (
              <li key={i}>{question}</li>
            ))}
            {totals.unansweredQuestions.length === 0 && <li>None: every question found knowledge.</li>}
          </ul>
        </>
      )}
    </section>
  );
}

function Figure({ label, value }: { label: string; value: bigint | number | string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{String(value)}</dd>
    </div>
  );
}

/** Bars over days, in SVG: a title per bar, the total in the accessible name. */
function BarChart({ title, series, field }: { title: string; series: DayCounts[]; field: Counted }) {
  const width = 320;
  const height = 120;
  const top = Math.max(1, ...series.map((day) => day[field]));
  const step = width / Math.max(1, series.length);
  const total = series.reduce((sum, day) => sum + day[field], 0);
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${height + 16}`}
        role="img"
        aria-label={`${title}: ${total} in total, at most ${top} a day`}
        data-testid={`chart-${field}`}
      >
        {series.map((day, i) => {
          const barHeight = (day[field] / top) * height;
          return (
            <g key={day.label}>
              <rect
                x={i * step + 2}
                y={height - barHeight}
                width={Math.max(1, step - 4)}
                height={barHeight}
                fill="#1f5fbf"
                data-value={day[field]}
              >
                <title>{`${day.label}: ${day[field]}`}</title>
              </rect>
              {(series.length <= 14 || i % 5 === 0) && (
                <text x={i ? i * step + step / 2 : 0} y={height + 12} fontSize="9" textAnchor={i ? "middle" : "start"}>
                  {day.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
