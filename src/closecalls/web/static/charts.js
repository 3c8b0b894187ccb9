// Small inline-SVG charts: stacked columns per day and labelled horizontal bars.

const SVG = "http://www.w3.org/2000/svg";
export const COLOURS = { outbound: "#1f5fa8", inbound: "#b8570b" };

function node(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function chart(width, height, title) {
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart" });
  svg.appendChild(node("title", {}, title));
  return svg;
}

/** Columns per day, stacked by series (e.g. direction). days: [[day, {series: n}]]. */
export function stackedColumns(days, series, title) {
  const width = 640, height = 220, bottom = 30, left = 30;
  const svg = chart(width, height, title);
  const max = Math.max(1, ...days.map(([, counts]) => series.reduce((s, k) => s + (counts[k] || 0), 0)));
  const step = (width - left) / Math.max(1, days.length);
  const scale = (height - bottom - 10) / max;
  svg.appendChild(node("text", { x: 2, y: 14, class: "axis" }, String(max)));
  days.forEach(([day, counts], index) => {
    let y = height - bottom;
    for (const name of series) {
      const value = counts[name] || 0;
      if (!value) continue;
      const h = value * scale;
      y -= h;
      const bar = node("rect", { x: left + index * step + 2, y, width: Math.max(2, step - 4), height: h, fill: COLOURS[name] || "#555" });
      bar.appendChild(node("title", {}, `${day} ${name}: ${value}`));
      svg.appendChild(bar);
    }
    if (days.length <= 16 || index % Math.ceil(days.length / 8) === 0) {
      svg.appendChild(node("text", { x: left + index * step + 2, y: height - 10, class: "axis" }, day.slice(5)));
    }
  });
  return svg;
}

/** One labelled horizontal bar per item: [[label, value, shown]]. */
export function bars(items, title) {
  const row = 26, width = 640, labelWidth = 200;
  const svg = chart(width, Math.max(row, items.length * row) + 4, title);
  const max = Math.max(1, ...items.map(([, value]) => value));
  items.forEach(([label, value, shown], index) => {
    const y = index * row + 4;
    svg.appendChild(node("text", { x: 0, y: y + 16, class: "label" }, label));
    const w = Math.max(2, ((width - labelWidth - 80) * value) / max);
    svg.appendChild(node("rect", { x: labelWidth, y, width: w, height: row - 8, fill: "#1f5fa8" }));
    svg.appendChild(node("text", { x: labelWidth + w + 6, y: y + 16, class: "label" }, shown ?? String(value)));
  });
  return svg;
}
