/**
 * The status page script, part 4: small line charts as inline SVG built in the page (no
 * chart library, nothing fetched). Each chart is created once per model and metric and only
 * its paths change on redraw, so a live page does not churn the DOM.
 */
export const SCRIPT_CHARTS = String.raw`
const CHART_W = 150;
const CHART_H = 40;

/** A chart of one series; format turns a value into text for its caption and label. */
function createChart(title, format) {
  const area = svg('path', { class: 'area', d: '' });
  const line = svg('path', { class: 'line', d: '', 'vector-effect': 'non-scaling-stroke' });
  const pic = svg('svg', { viewBox: '0 0 ' + CHART_W + ' ' + CHART_H, preserveAspectRatio: 'none', role: 'img', class: 'chart', focusable: 'false' });
  pic.append(area, line);
  const peak = h('span', { class: 'peak' });
  const el = h('figure', { class: 'chart-box' }, h('figcaption', {}, h('span', { text: title }), peak), pic);

  function update(values) {
    let max = 0;
    let last = null;
    for (const v of values) {
      if (v === null) continue;
      if (v > max) max = v;
      last = v;
    }
    const x = (i) => (values.length === 1 ? CHART_W : (i / (values.length - 1)) * CHART_W);
    const y = (v) => (CHART_H - 2 - (max > 0 ? (v / max) * (CHART_H - 6) : 0));
    let d = '';
    let open = false;
    values.forEach((v, i) => {
      if (v === null) { open = false; return; }
      const p = x(i).toFixed(1) + ' ' + y(v).toFixed(1);
      // a point alone between gaps still shows, as a dot from the round line cap
      const alone = !open && (i + 1 >= values.length || values[i + 1] === null);
      d += (open ? ' L' : ' M') + p + (alone ? ' l0.01 0' : '');
      open = true;
    });
    line.setAttribute('d', d.trim());
    const gaps = values.some((v) => v === null);
    area.setAttribute('d', gaps || !d ? '' : d.trim() + ' L' + CHART_W + ' ' + CHART_H + ' L0 ' + CHART_H + ' Z');
    setText(peak, 'peak ' + format(max));
    pic.setAttribute('aria-label', title + ' over the last 15 minutes: latest ' + format(last) + ', peak ' + format(max));
  }
  return { el, update };
}
`;
