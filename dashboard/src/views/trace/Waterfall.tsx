import {
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type RefObject,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { formatNs } from '../../lib/format.js';
import { TEST_IDS } from '../../testIds.js';
import type { CriticalSection } from './criticalPath.js';
import { visibleRows, type TreeRow } from './spanTree.js';
import {
  axisTicks,
  barGeometry,
  durationLabelPlacement,
  estimateLabelPx,
  insideLabelLeftPx,
  type LabelRoom,
} from './timeline.js';
import type { TraceModel } from './traceModel.js';

interface Props {
  model: TraceModel;
  rows: TreeRow[];
  critical: Map<string, CriticalSection[]>;
  selectedSpanId: string | null;
  onSelect: (spanId: string) => void;
}

const ROW_HEIGHT = 30;
/** Indent per nesting level, capped so very deep traces keep room for the name. */
const INDENT_PX = 16;
const MAX_INDENT_PX = 320;

/**
 * The span waterfall: one row per span, nested by parent, bars placed by start and sized by duration
 * relative to the whole trace, coloured by layer. Rows are virtualized (TanStack Virtual) so a trace of
 * tens of thousands of spans scrolls like a short one.
 */
export function Waterfall({ model, rows, critical, selectedSpanId, onSelect }: Props) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const shown = useMemo(() => visibleRows(rows, collapsed), [rows, collapsed]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const ticks = axisTicks(model.durationNs, 4);
  const labelRoom = useTimelineRoom(scrollRef);

  // A span selected by the URL (a shared link) may sit thousands of rows down: bring it into view.
  // Only on a change of selection, so the user's own scrolling is never undone.
  const selectedIndex = selectedSpanId ? shown.findIndex((r) => r.spanId === selectedSpanId) : -1;
  const scrolledTo = useRef<string | null>(null);
  useEffect(() => {
    if (selectedSpanId && selectedIndex >= 0 && scrolledTo.current !== selectedSpanId) {
      scrolledTo.current = selectedSpanId;
      virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
    }
  }, [selectedSpanId, selectedIndex, virtualizer]);

  const toggle = (spanId: string): void =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(spanId)) next.delete(spanId);
      else next.add(spanId);
      return next;
    });

  // Keyboard navigation moves the selection, and the focus must follow it. The selection comes back
  // through the URL, which the router may apply a render later than the next key press: the cursor
  // ref is where the keyboard is, updated at once, so quick presses never act on a stale selection.
  const cursor = useRef<string | null>(selectedSpanId);
  const pending = useRef<string | null>(null);
  const focusSelected = useRef(false);
  useEffect(() => {
    if (pending.current === selectedSpanId) pending.current = null;
    if (pending.current === null) cursor.current = selectedSpanId;
    // Focus once the selection has caught up with the keyboard (not on a render of an older one).
    if (!focusSelected.current || !selectedSpanId || selectedSpanId !== cursor.current) return;
    // The target row may only be rendered once the virtualizer has scrolled to it: retry a few frames.
    let frames = 0;
    let handle = 0;
    const tryFocus = (): void => {
      const row = scrollRef.current?.querySelector<HTMLElement>(
        `[data-span-id="${CSS.escape(selectedSpanId)}"]`,
      );
      if (row) {
        focusSelected.current = false;
        row.focus({ preventScroll: true });
      } else if (++frames < 10) {
        handle = requestAnimationFrame(tryFocus);
      }
    };
    tryFocus();
    return () => cancelAnimationFrame(handle);
  }, [selectedSpanId, shown]);

  const select = (spanId: string): void => {
    cursor.current = spanId;
    pending.current = spanId;
    onSelect(spanId);
  };

  const selectRow = (index: number): void => {
    const target = shown[index];
    if (!target) return;
    focusSelected.current = true;
    select(target.spanId);
    virtualizer.scrollToIndex(index, { align: 'auto' });
  };

  /**
   * Tree-grid keys, from the selected row (else the focused one): ↑/↓ move, Home/End jump, → expands
   * or enters, ← collapses or goes to the parent, Enter/Space select.
   */
  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const focusedId = (e.target as HTMLElement).closest<HTMLElement>('[data-span-id]')?.dataset['spanId'];
    const fromId = cursor.current ?? focusedId;
    const index = fromId === undefined ? -1 : shown.findIndex((r) => r.spanId === fromId);
    const row = shown[index];
    if (!row) return;
    switch (e.key) {
      case 'ArrowDown':
        selectRow(index + 1);
        break;
      case 'ArrowUp':
        selectRow(index - 1);
        break;
      case 'Home':
        selectRow(0);
        break;
      case 'End':
        selectRow(shown.length - 1);
        break;
      case 'ArrowRight':
        if (row.childCount === 0) return;
        if (collapsed.has(row.spanId)) toggle(row.spanId);
        else selectRow(index + 1);
        break;
      case 'ArrowLeft':
        if (row.childCount > 0 && !collapsed.has(row.spanId)) {
          toggle(row.spanId);
        } else {
          let parent = index - 1;
          while (parent >= 0 && (shown[parent]?.depth ?? 0) >= row.depth) parent--;
          if (parent >= 0) selectRow(parent);
        }
        break;
      case 'Enter':
      case ' ':
        if (focusedId !== undefined) select(focusedId);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div
      className="waterfall"
      data-testid={TEST_IDS.waterfall}
      role="treegrid"
      aria-rowcount={shown.length}
      onKeyDown={onKey}
    >
      <div className="wf-header" role="row">
        <div className="wf-name-col" role="columnheader">
          Span
        </div>
        <div className="wf-timeline-col" role="columnheader">
          {ticks.map((t) => {
            const pct = model.durationNs > 0 ? (t / model.durationNs) * 100 : 0;
            // The first label starts at its tick, labels near the right edge end at theirs, the others are
            // centred: all stay inside the column and apart from each other.
            const style =
              pct > 90
                ? { right: `${100 - pct}%` }
                : { left: `${pct}%`, transform: t === 0 ? undefined : 'translateX(-50%)' };
            return (
              <span key={t} className="wf-tick" style={style}>
                {formatNs(t)}
              </span>
            );
          })}
        </div>
      </div>
      <div
        ref={scrollRef}
        className="wf-scroll"
        data-testid={TEST_IDS.waterfallScroll}
        style={{ height: shown.length * ROW_HEIGHT + 2 }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = shown[item.index];
            const span = row ? model.byId.get(row.spanId) : undefined;
            if (!row || !span) return null;
            const bar = barGeometry(span.startNs, span.durationNs, model.durationNs);
            const duration = formatNs(span.durationNs);
            const room: LabelRoom | undefined = labelRoom && {
              timelinePx: labelRoom.timelinePx,
              labelPx: estimateLabelPx(duration, labelRoom.fontPx),
            };
            const placement = durationLabelPlacement(bar, room);
            const sections = critical.get(span.spanId) ?? [];
            const selected = span.spanId === selectedSpanId;
            const isCollapsed = collapsed.has(span.spanId);
            const classes = [
              'wf-row',
              selected ? 'selected' : '',
              span.isError ? 'error' : '',
              sections.length ? 'critical' : '',
            ]
              .filter(Boolean)
              .join(' ');
            return (
              <div
                key={span.spanId}
                className={classes}
                role="row"
                aria-selected={selected}
                aria-level={row.depth + 1}
                aria-expanded={row.childCount > 0 ? !isCollapsed : undefined}
                tabIndex={selected ? 0 : -1}
                data-testid={TEST_IDS.spanRow}
                data-span-id={span.spanId}
                data-layer={span.layer}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                onClick={() => select(span.spanId)}
              >
                <div
                  className="wf-name-col"
                  role="gridcell"
                  style={{ paddingLeft: Math.min(row.depth * INDENT_PX, MAX_INDENT_PX) + 6 }}
                >
                  {row.childCount > 0 ? (
                    <button
                      type="button"
                      className="wf-toggle"
                      aria-label={isCollapsed ? 'Expand' : 'Collapse'}
                      aria-expanded={!isCollapsed}
                      onClick={(e) => {
                        e.stopPropagation();
                        toggle(span.spanId);
                      }}
                    >
                      {isCollapsed ? '▸' : '▾'}
                    </button>
                  ) : (
                    <span className="wf-toggle-space" />
                  )}
                  <span className={`layer-dot layer-${span.layer}`} title={`layer: ${span.layer}`} />
                  {span.isError && (
                    <span
                      className="wf-error-icon"
                      role="img"
                      aria-label="error"
                      title={span.view.statusMessage || 'error'}
                    >
                      ⚠
                    </span>
                  )}
                  <span className="wf-service">{span.view.service}</span>
                  <span className="wf-name" title={`${span.view.service}: ${span.view.name}`}>
                    {span.view.name}
                  </span>
                  {row.orphan && (
                    <span className="badge warn small" title="The parent span of this span was not received">
                      orphan
                    </span>
                  )}
                  {row.skewed && (
                    <span
                      className="badge warn small wf-skew"
                      title="Starts before or ends after its parent: the two processes' clocks disagree"
                    >
                      skew
                    </span>
                  )}
                </div>
                <div className="wf-timeline-col" role="gridcell">
                  <div
                    className={`wf-bar layer-${span.layer}${span.isError ? ' error' : ''}`}
                    style={{ left: `${bar.leftPct}%`, width: `max(${bar.widthPct}%, 2px)` }}
                  />
                  {sections.map((s, i) => {
                    const g = barGeometry(s.startNs, s.endNs - s.startNs, model.durationNs);
                    return (
                      <div
                        key={i}
                        className="wf-critical"
                        style={{ left: `${g.leftPct}%`, width: `${g.widthPct}%` }}
                      />
                    );
                  })}
                  <span
                    className={placement === 'inside' ? 'wf-duration inside' : 'wf-duration'}
                    style={
                      placement === 'after'
                        ? { left: `${bar.leftPct + bar.widthPct + 0.5}%` }
                        : placement === 'before'
                          ? { right: `${100 - bar.leftPct + 0.5}%` }
                          : room
                            ? { left: insideLabelLeftPx(bar, room) }
                            : { right: `${100 - bar.leftPct - bar.widthPct + 0.5}%` }
                    }
                  >
                    {duration}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/**
 * The pixel width of the rows' timeline column and the duration labels' font size, followed as the
 * layout changes (the span panel opening, a resize), so labels are placed on the room there really is.
 */
function useTimelineRoom(
  scrollRef: RefObject<HTMLDivElement | null>,
): { timelinePx: number; fontPx: number } | undefined {
  const [room, setRoom] = useState<{ timelinePx: number; fontPx: number }>();
  useLayoutEffect(() => {
    const scroll = scrollRef.current;
    if (!scroll) return;
    const measure = (): void => {
      const col = scroll.querySelector<HTMLElement>('.wf-row .wf-timeline-col');
      const label = scroll.querySelector<HTMLElement>('.wf-duration');
      if (!col) return;
      const timelinePx = col.clientWidth;
      const fontPx = label ? parseFloat(getComputedStyle(label).fontSize) : 12;
      setRoom((prev) =>
        prev && prev.timelinePx === timelinePx && prev.fontPx === fontPx ? prev : { timelinePx, fontPx },
      );
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(scroll);
    return () => observer.disconnect();
  }, [scrollRef]);
  return room;
}
