// Daily usage as stacked bars (download, upload, and traffic of unknown direction), drawn as SVG.
// The picture is one image for assistive technology (role=img, its label the totals); the
// figures themselves are in a visually hidden table beside it.
import { formatDate, useTenant } from '@dotmac/ui';
import { formatBytes } from './bytes.ts';
import { ticksFor } from './chart-scale.ts';
import { type DayBar, totalsOf } from './usage-days.ts';

const WIDTH = 720;
const HEIGHT = 260;
const PLOT = { left: 72, right: 8, top: 12, bottom: 28 } as const;
const SERIES = [
  { key: 'download', label: 'Download', colour: 'var(--dm-primary, #0b5fff)' },
  { key: 'upload', label: 'Upload', colour: 'var(--dm-accent, #00a88f)' },
  { key: 'unsplit', label: 'Direction not recorded', colour: 'var(--dm-muted, #57606a)' },
] as const;

export function UsageChart(props: { readonly bars: readonly DayBar[]; readonly period: string }) {
  const locale = useTenant()?.locale;
  const bytes = (value: number) => formatBytes(value, locale);
  const { bars } = props;
  const totals = totalsOf(bars);
  const ticks = ticksFor(Math.max(...bars.map((bar) => bar.total), 0));
  const top = ticks[ticks.length - 1] || 1;
  const plotWidth = WIDTH - PLOT.left - PLOT.right;
  const plotHeight = HEIGHT - PLOT.top - PLOT.bottom;
  const slot = plotWidth / Math.max(bars.length, 1);
  const barWidth = Math.max(slot * 0.7, 1);
  const y = (value: number) => PLOT.top + plotHeight - (value / top) * plotHeight;
  const labelEvery = Math.ceil(bars.length / 12);
  const shown = SERIES.filter((series) => series.key !== 'unsplit' || totals.unsplit > 0);

  const summary =
    `Daily usage, ${props.period}: ${bytes(totals.total)} in all, ` +
    `${bytes(totals.download)} downloaded and ${bytes(totals.upload)} uploaded` +
    (totals.unsplit > 0 ? `, ${bytes(totals.unsplit)} of unrecorded direction.` : '.');

  return (
    <figure style={{ margin: '1.5rem 0 0' }}>
      <svg
        role="img"
        aria-label={summary}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        style={{ maxWidth: `${WIDTH}px`, height: 'auto', display: 'block' }}
      >
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PLOT.left} x2={WIDTH - PLOT.right} y1={y(tick)} y2={y(tick)} stroke="#d0d7de" />
            <text x={PLOT.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle" fontSize="11">
              {bytes(tick)}
            </text>
          </g>
        ))}
        {bars.map((bar, index) => {
          const x = PLOT.left + index * slot + (slot - barWidth) / 2;
          let base = 0;
          return (
            <g key={bar.day}>
              {SERIES.map((series) => {
                const value = bar[series.key];
                if (value <= 0) return null;
                const rect = (
                  <rect
                    key={series.key}
                    x={x}
                    width={barWidth}
                    y={y(base + value)}
                    height={y(base) - y(base + value)}
                    fill={series.colour}
                  />
                );
                base += value;
                return rect;
              })}
              {index % labelEvery === 0 ? (
                <text x={x + barWidth / 2} y={HEIGHT - PLOT.bottom + 16} textAnchor="middle" fontSize="11">
                  {Number(bar.day.slice(8))}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul aria-label="Legend" style={{ display: 'flex', gap: '1rem', listStyle: 'none', padding: 0, margin: 0 }}>
          {shown.map((series) => (
            <li key={series.key}>
              <span
                aria-hidden="true"
                style={{ display: 'inline-block', width: '0.8em', height: '0.8em', background: series.colour }}
              />{' '}
              {series.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <table className="dm-visually-hidden">
        <caption>Daily usage, {props.period}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Download</th>
            <th scope="col">Upload</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.day}>
              <th scope="row">{formatDate(bar.day)}</th>
              <td>{bar.unsplit > 0 && bar.download === 0 ? 'not recorded' : bytes(bar.download)}</td>
              <td>{bar.unsplit > 0 && bar.upload === 0 ? 'not recorded' : bytes(bar.upload)}</td>
              <td>{bytes(bar.total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
