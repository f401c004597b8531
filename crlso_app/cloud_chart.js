// The Latent page's 2-D chart (crlso_app/cloud_chart.py builds its data): each side's cells as
// dots on one 2-D canvas. Streamlit calls this function on every run with the new data; the
// chart keeps its canvas, zoom and mode across runs, so a new projection or colouring is a
// redraw, not a new chart. Events back to Python: "pick" {panel, point} (a click on a dot) and
// "region" {panel, polygon} (a box or lasso, in data coordinates). The mouse wheel scrolls the
// page, as everywhere else on it (a wheel that zoomed trapped a lecturer scrolling past the
// chart); Ctrl/⌘ + wheel, the + and − buttons or a pinch zoom, between the whole plane and
// MAX_ZOOM times closer.

const PAD = { l: 66, r: 104, t: 30, b: 54 };  // around each panel's plot: y ticks and title, colour bar, panel title, x ticks and title
const GAP = 28;  // px right of a panel whose colour bar is the next one's (the same cells coloured the same way)
const HIT = 9;  // px: how near a dot a click or hover must be
const FADED = 0.18;  // opacity of the dots outside a selected region
const MARK = "#ffbf00";  // the selected cell: gold, as on the other pages
const GREY = "#c4c4c4";  // the cells outside a selection
const MAX_ZOOM = 40;  // the closest zoom: a 40th of the plane's span; the widest is the whole plane
const STEP = 1.5;  // one press of + or −
const TEXT = "#1a1a1a";  // every text on the chart, at 14 px or more: crlso_app/theme.py's TEXT and MIN_FONT

function niceTicks(lo, hi, count = 6) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / mag === 2.5 ? 1 : 0));
  return ticks.map((v) => [v, v.toFixed(digits)]);
}

function build(parent) {
  const root = document.createElement("div");
  root.className = "crlso-cloud";
  root.style.cssText = "position:relative;width:100%;font-family:inherit;color:inherit;user-select:none";
  const head = document.createElement("div");
  head.style.cssText = "display:flex;align-items:center;gap:6px;margin-bottom:2px";
  const title = document.createElement("div");
  title.className = "crlso-cloud-title";
  title.style.cssText = "flex:1;font-size:17px;font-weight:600";
  head.appendChild(title);
  const s = { root, title, buttons: {}, mode: "pick", zoom: [], view: null, data: null, drag: null };
  const tools = [["pick", "Click a dot to pick its cell; drag to pan; Ctrl/⌘ + wheel zooms"],
    ["box", "Box: drag a rectangle; its cells light up on both sides"], ["lasso", "Lasso: draw around cells; they light up on both sides"],
    ["in", "Zoom in (or Ctrl/⌘ + wheel)"], ["out", "Zoom out"], ["reset", "Reset zoom (or double-click a panel)"], ["png", "Save the chart as PNG"]];
  const names = { pick: "Pick", box: "Box", lasso: "Lasso", in: "+", out: "−", reset: "Reset zoom", png: "PNG" };
  for (const [name, help] of tools) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = names[name];
    b.title = help;
    b.dataset.tool = name;
    b.setAttribute("aria-label", help);
    b.style.cssText = "font:inherit;font-size:14px;padding:2px 9px;border:1px solid #bbb;border-radius:6px;background:#fff;color:#222;cursor:pointer";
    b.onclick = () => tool(s, name);
    s.buttons[name] = b;
    head.appendChild(b);
  }
  const legend = document.createElement("div");
  legend.className = "crlso-cloud-legend";
  legend.style.cssText = "display:flex;flex-wrap:wrap;column-gap:16px;font-size:14px;color:#1a1a1a;min-height:20px;margin:0 0 2px 4px";
  const hint = document.createElement("div");
  hint.className = "crlso-cloud-hint";
  hint.textContent = "Ctrl + wheel (⌘ + wheel on a Mac) zooms; the wheel scrolls the page";
  hint.style.cssText = "position:absolute;left:50%;top:64px;transform:translateX(-50%);pointer-events:none;display:none;"
    + "background:rgba(30,30,30,.82);color:#fff;border-radius:6px;padding:4px 10px;font-size:14px;z-index:6";
  const canvas = document.createElement("canvas");
  canvas.style.cssText = "display:block;width:100%;touch-action:none";
  const tip = document.createElement("div");
  tip.className = "crlso-cloud-tip";
  tip.style.cssText = "position:absolute;pointer-events:none;display:none;background:#fff;color:#111;border:1px solid #888;"
    + "border-radius:4px;padding:3px 7px;font-size:13px;white-space:nowrap;box-shadow:0 1px 4px rgba(0,0,0,.2);z-index:5";
  root.append(head, legend, canvas, tip, hint);
  parent.appendChild(root);
  Object.assign(s, { canvas, tip, hint, legend, ctx: canvas.getContext("2d") });
  // for tests and benchmarks: where panel i's dots are on screen, in drawing order, with their hover labels
  root.screenPoints = (i) => {
    const box = canvas.getBoundingClientRect(), p = s.data.panels[i], g = geometry(s, i);
    return p.x.map((x, k) => [box.left + g.px(x), box.top + g.py(p.y[k]), p.label[k]]);
  };
  // the labels of panel i's highlighted cells (a selection made on any panel), none without one
  root.selectedLabels = (i) => ((s.data.panels[i].selected || {}).label || []).slice();
  // where panel i's picked cell ("mark") and neighbour marks ("set 0", "set 1") are on screen
  root.markPoints = (i) => {
    const box = canvas.getBoundingClientRect(), p = s.data.panels[i], g = geometry(s, i), out = [];
    if (p.mark) out.push([box.left + g.px(p.mark.x), box.top + g.py(p.mark.y), "mark"]);
    (p.neighbours || []).forEach((set, j) => set.x.forEach((x, k) => out.push([box.left + g.px(x), box.top + g.py(set.y[k]), `set ${j}`])));
    return out;
  };
  root.zoomState = () => JSON.stringify(s.zoom);  // null for a panel showing its whole plane
  root.planeRange = (i) => s.data.panels[i].range.slice();
  root.plotBox = (i) => {  // panel i's plot area on screen
    const box = canvas.getBoundingClientRect(), g = geometry(s, i);
    return { x: box.left + g.left, y: box.top + g.top, width: g.right - g.left, height: g.bottom - g.top };
  };
  return s;
}

function tool(s, name) {
  if (name === "reset") { s.zoom = s.zoom.map(() => null); draw(s); return; }
  if (name === "in" || name === "out") {  // every panel, about its middle
    s.data.panels.forEach((p, i) => {
      const g = geometry(s, i);
      zoomAt(s, i, (g.x0 + g.x1) / 2, (g.y0 + g.y1) / 2, name === "in" ? 1 / STEP : STEP);
    });
    draw(s);
    return;
  }
  if (name === "png") {
    const a = document.createElement("a");
    a.download = "latent-space.png";
    a.href = s.canvas.toDataURL("image/png");
    a.click();
    return;
  }
  s.mode = name;
  paintButtons(s);
}

function paintButtons(s) {
  for (const [name, b] of Object.entries(s.buttons)) {
    const on = name === s.mode;
    if (name === "in" || name === "out" || name === "reset" || name === "png") continue;
    b.style.background = on ? "#31333f" : "#fff";
    b.style.color = on ? "#fff" : "#222";
    b.setAttribute("aria-pressed", on ? "true" : "false");
  }
}

// the room right of panel i: a colour bar, or a gap where the panels share the last one's bar
function padRight(s, i) { return !s.sharedBar || i === s.data.panels.length - 1 ? PAD.r : GAP; }

function geometry(s, i) {
  const n = s.data.panels.length, p = s.data.panels[i];
  let pads = 0, before = 0;
  for (let j = 0; j < n; j++) { pads += PAD.l + padRight(s, j); if (j < i) before += PAD.l + padRight(s, j); }
  const w = (s.width - pads) / n;  // every panel's plot is as wide as the others
  const left = before + i * w + PAD.l, right = left + w, top = PAD.t, bottom = s.height - PAD.b;
  const [x0, x1, y0, y1] = s.zoom[i] || p.range;
  const px = (x) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  const dx = (X) => x0 + ((X - left) / (right - left)) * (x1 - x0);
  const dy = (Y) => y0 + ((bottom - Y) / (bottom - top)) * (y1 - y0);
  return { left, right, top, bottom, x0, x1, y0, y1, px, py, dx, dy };
}

// zoom panel i by `f` (< 1: closer) about the data point (x, y), kept between the whole plane
// and MAX_ZOOM times closer; at the whole plane the panel shows its full range again
function zoomAt(s, i, x, y, f) {
  const g = geometry(s, i), [X0, X1] = s.data.panels[i].range, full = X1 - X0;
  const span = Math.min(Math.max((g.x1 - g.x0) * f, full / MAX_ZOOM), full);
  if (span >= full * (1 - 1e-9)) { s.zoom[i] = null; return; }
  const k = span / (g.x1 - g.x0);
  s.zoom[i] = [x + (g.x0 - x) * k, x + (g.x1 - x) * k, y + (g.y0 - y) * k, y + (g.y1 - y) * k];
}

function inside(poly, x, y) {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

function draw(s) {
  const { ctx, data } = s, dpr = window.devicePixelRatio || 1;
  s.width = Math.max(s.root.clientWidth, 300);
  // at most data.height, less in a short window (1280×720), so the x axis stays on the first screen
  // (less again when the legend takes a second line)
  const legendExtra = Math.max(0, s.legend.offsetHeight - 22);
  s.height = Math.round(Math.min(data.height, Math.max(320, window.innerHeight - 330 - legendExtra)));
  if (s.canvas.width !== Math.round(s.width * dpr) || s.canvas.height !== Math.round(s.height * dpr)) {
    s.canvas.width = Math.round(s.width * dpr);
    s.canvas.height = Math.round(s.height * dpr);
    s.canvas.style.height = `${s.height}px`;
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, s.width, s.height);
  const font = getComputedStyle(s.root).fontFamily || "sans-serif";
  data.panels.forEach((p, i) => drawPanel(s, p, geometry(s, i), font));
  if (s.drag && s.drag.shape) drawShape(s, s.drag.shape);
}

function drawPanel(s, p, g, font) {
  const { ctx, data } = s;
  ctx.font = `600 15px ${font}`;
  ctx.fillStyle = TEXT;
  ctx.textAlign = "center";
  ctx.textBaseline = "alphabetic";
  ctx.fillText(p.title, (g.left + g.right) / 2, g.top - 10);
  ctx.font = `14px ${font}`;
  ctx.strokeStyle = "#e6e6e6";
  ctx.lineWidth = 1;
  ctx.fillStyle = TEXT;
  ctx.textBaseline = "top";
  for (const [v, text] of niceTicks(g.x0, g.x1)) {
    const X = Math.round(g.px(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(X, g.top); ctx.lineTo(X, g.bottom); ctx.stroke();
    ctx.fillText(text, X, g.bottom + 5);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const [v, text] of niceTicks(g.y0, g.y1, 5)) {
    const Y = Math.round(g.py(v)) + 0.5;
    ctx.beginPath(); ctx.moveTo(g.left, Y); ctx.lineTo(g.right, Y); ctx.stroke();
    ctx.fillText(text, g.left - 6, Y);
  }
  ctx.font = `14px ${font}`;
  ctx.fillStyle = TEXT;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(p.axes[0], (g.left + g.right) / 2, s.height - 6);
  ctx.save();
  ctx.translate(g.left - 50, (g.top + g.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "middle";
  ctx.fillText(p.axes[1], 0, 0);
  ctx.restore();
  ctx.strokeStyle = "#999";
  ctx.strokeRect(g.left + 0.5, g.top + 0.5, g.right - g.left, g.bottom - g.top);
  // the dots, best last (on top); outside a selected region they fade
  ctx.save();
  ctx.beginPath();
  ctx.rect(g.left, g.top, g.right - g.left, g.bottom - g.top);
  ctx.clip();
  const region = p.region && p.region.length > 2 ? p.region : null;
  const chosen = p.selected || null;  // a selection (made on this panel or another): its cells in colour, the rest grey
  const shown = (X, Y) => X >= g.left - 5 && X <= g.right + 5 && Y >= g.top - 5 && Y <= g.bottom + 5;
  for (let k = 0; k < p.x.length; k++) {
    const X = g.px(p.x[k]), Y = g.py(p.y[k]);
    if (!shown(X, Y)) continue;
    ctx.globalAlpha = chosen ? FADED * 2 : 0.85;
    ctx.fillStyle = chosen ? GREY : data.palette[p.colour[k]];
    ctx.beginPath();
    ctx.arc(X, Y, chosen ? 2 : 2.6, 0, 2 * Math.PI);
    ctx.fill();
  }
  if (chosen) {
    ctx.globalAlpha = 0.95;
    ctx.lineWidth = 0.6;
    ctx.strokeStyle = "#222";
    for (let k = 0; k < chosen.x.length; k++) {
      const X = g.px(chosen.x[k]), Y = g.py(chosen.y[k]);
      if (!shown(X, Y)) continue;
      ctx.fillStyle = data.palette[chosen.colour[k]];
      ctx.beginPath();
      ctx.arc(X, Y, 3.2, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }
  ctx.globalAlpha = 1;
  (p.neighbours || []).forEach((set, j) => {  // set 0: rings, set 1: squares; a white halo keeps them legible on any colour
    for (let k = 0; k < set.x.length; k++) {
      const X = g.px(set.x[k]), Y = g.py(set.y[k]);
      if (!shown(X, Y)) continue;
      for (const [colour, width] of [["#fff", 4], ["#111", 1.8]]) {
        ctx.strokeStyle = colour;
        ctx.lineWidth = width;
        ctx.beginPath();
        if (j === 0) ctx.arc(X, Y, 6, 0, 2 * Math.PI); else ctx.rect(X - 5.5, Y - 5.5, 11, 11);
        ctx.stroke();
      }
    }
  });
  if (region) {
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = "#111";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    region.forEach(([x, y], k) => (k ? ctx.lineTo(g.px(x), g.py(y)) : ctx.moveTo(g.px(x), g.py(y))));
    ctx.closePath();
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (p.mark) {
    ctx.beginPath();
    ctx.arc(g.px(p.mark.x), g.py(p.mark.y), 7, 0, 2 * Math.PI);
    ctx.fillStyle = MARK;
    ctx.fill();
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = "#000";
    ctx.stroke();
  }
  ctx.restore();
  if (!s.sharedBar || p === data.panels[data.panels.length - 1]) drawColourBar(s, p, g, font);
}

function drawColourBar(s, p, g, font) {
  const { ctx, data } = s, x = g.right + 12, w = 13, h = g.bottom - g.top, n = data.palette.length;
  for (let k = 0; k < n; k++) {  // 0 (bottom) to 1 (top), as the dots' colour positions
    ctx.fillStyle = data.palette[k];
    ctx.fillRect(x, g.bottom - ((k + 1) / n) * h, w, h / n + 0.5);
  }
  ctx.strokeStyle = "#999";
  ctx.lineWidth = 1;
  ctx.strokeRect(x + 0.5, g.top + 0.5, w, h);
  ctx.font = `14px ${font}`;
  ctx.fillStyle = TEXT;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  for (const [pos, text] of p.bar.ticks) ctx.fillText(text, x + w + 4, g.bottom - pos * h);
  ctx.save();
  ctx.translate(x + w + 62, (g.top + g.bottom) / 2);
  ctx.rotate(Math.PI / 2);
  ctx.font = `14px ${font}`;
  ctx.fillStyle = TEXT;
  ctx.textAlign = "center";
  ctx.fillText(p.bar.title, 0, 0);
  ctx.restore();
}

function drawShape(s, shape) {
  const { ctx } = s;
  ctx.save();
  ctx.setLineDash([5, 4]);
  ctx.strokeStyle = "#111";
  ctx.fillStyle = "rgba(0,0,0,0.06)";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  shape.forEach(([X, Y], k) => (k ? ctx.lineTo(X, Y) : ctx.moveTo(X, Y)));
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
  ctx.restore();
}

function panelAt(s, X, Y) {
  for (let i = 0; i < s.data.panels.length; i++) {
    const g = geometry(s, i);
    if (X >= g.left && X <= g.right && Y >= g.top && Y <= g.bottom) return [i, g];
  }
  return [null, null];
}

function nearest(s, i, g, X, Y) {
  const p = s.data.panels[i];
  let best = null, bestD = HIT * HIT;
  for (let k = p.x.length - 1; k >= 0; k--) {  // the dots drawn last lie on top: they win a tie
    const d = (g.px(p.x[k]) - X) ** 2 + (g.py(p.y[k]) - Y) ** 2;
    if (d < bestD) { bestD = d; best = k; }
  }
  return best;
}

function fmt(v) { return v === null || v === undefined ? "–" : `${v.toFixed(2)} %`; }

function paintLegend(s) {
  const { data, legend } = s, parts = [];
  const item = (symbol, style, text) => {
    const span = document.createElement("span");
    span.style.cssText = "white-space:nowrap";
    const mark = document.createElement("span");
    mark.textContent = symbol;
    mark.style.cssText = `margin-right:4px;${style}`;
    span.append(mark, document.createTextNode(text));
    parts.push(span);
  };
  if (data.panels.some((p) => p.mark)) item("●", `color:${MARK};-webkit-text-stroke:1px #000`, "picked cell");
  (data.legend || []).forEach((text, j) => item(j === 0 ? "◯" : "□", "font-weight:700", text));
  const chosen = data.panels.find((p) => p.selected);
  if (chosen) {
    const { total, x } = chosen.selected, drawn = x.length < total ? ` (${x.length.toLocaleString()} of them drawn)` : "";
    item("●", "color:#555", `${total.toLocaleString()} selected${drawn}, lit on both sides`);
  }
  legend.replaceChildren(...parts);
}

function showTip(s, i, k, X, Y) {
  const p = s.data.panels[i];
  s.tip.innerHTML = "";
  const a = document.createElement("b");
  a.textContent = p.label[k];
  const b = document.createElement("div");
  b.textContent = `true ${fmt(p.valid[k])} · predicted ${fmt(p.predicted[k])}`;
  s.tip.append(a, b);
  s.tip.style.display = "block";
  const top = s.canvas.offsetTop, wide = s.tip.offsetWidth;  // NB301's labels are long: keep the label inside the chart
  s.tip.style.left = `${Math.max(0, X + 12 + wide > s.width ? X - 12 - wide : X + 12)}px`;
  s.tip.style.top = `${top + Y + 12}px`;
}

function flashHint(s) {
  s.hint.style.display = "block";
  clearTimeout(s.hintTimer);
  s.hintTimer = setTimeout(() => { s.hint.style.display = "none"; }, 1500);
}

function local(s, e) {
  const box = s.canvas.getBoundingClientRect();
  return [e.clientX - box.left, e.clientY - box.top];
}

function listen(s) {
  const c = s.canvas;
  const on = {
    pointerdown: (e) => {
      const [X, Y] = local(s, e), [i, g] = panelAt(s, X, Y);
      if (i === null) return;
      s.tip.style.display = "none";  // a click's result shows below the chart; the label would hide the marked cell
      c.setPointerCapture(e.pointerId);
      s.drag = { i, X, Y, moved: false, zoom: [g.x0, g.x1, g.y0, g.y1], shape: null, path: [[X, Y]] };
    },
    pointermove: (e) => {
      const [X, Y] = local(s, e);
      if (!s.drag) {
        const [i, g] = panelAt(s, X, Y);
        const k = i === null ? null : nearest(s, i, g, X, Y);
        if (k === null) s.tip.style.display = "none"; else showTip(s, i, k, X, Y);
        c.style.cursor = k === null ? (s.mode === "pick" ? "grab" : "crosshair") : "pointer";
        return;
      }
      const d = s.drag;
      if (Math.abs(X - d.X) + Math.abs(Y - d.Y) > 3) d.moved = true;
      if (!d.moved) return;
      s.tip.style.display = "none";
      const g = geometry(s, d.i);
      if (s.mode === "pick") {  // pan
        const [x0, x1, y0, y1] = d.zoom, sx = (x1 - x0) / (g.right - g.left), sy = (y1 - y0) / (g.bottom - g.top);
        // the view's middle stays over the plane: a pan cannot lose the cloud off screen
        const [X0, X1, Y0, Y1] = s.data.panels[d.i].range;
        const mx = Math.min(Math.max((x0 + x1) / 2 - (X - d.X) * sx, X0), X1) - (x0 + x1) / 2;
        const my = Math.min(Math.max((y0 + y1) / 2 + (Y - d.Y) * sy, Y0), Y1) - (y0 + y1) / 2;
        s.zoom[d.i] = [x0 + mx, x1 + mx, y0 + my, y1 + my];
      } else if (s.mode === "box") {
        d.shape = [[d.X, d.Y], [X, d.Y], [X, Y], [d.X, Y]];
      } else {
        d.path.push([Math.min(Math.max(X, g.left), g.right), Math.min(Math.max(Y, g.top), g.bottom)]);
        d.shape = d.path;
      }
      draw(s);
    },
    pointerup: (e) => {
      const d = s.drag;
      s.drag = null;
      if (!d) return;
      const [X, Y] = local(s, e), g = geometry(s, d.i);
      if (!d.moved) {
        const k = nearest(s, d.i, g, X, Y);
        if (k !== null) s.send("pick", { panel: d.i, point: k });
        return;
      }
      if (d.shape && s.mode !== "pick") {
        s.send("region", { panel: d.i, polygon: d.shape.map(([a, b]) => [g.dx(a), g.dy(b)]) });
      }
      draw(s);
    },
    pointerleave: () => { s.tip.style.display = "none"; },
    wheel: (e) => {
      s.tip.style.display = "none";  // the page or the plot moves under the pointer: the label would point at nothing
      const [X, Y] = local(s, e), [i, g] = panelAt(s, X, Y);
      if (i === null) return;
      if (!(e.ctrlKey || e.metaKey)) { flashHint(s); return; }  // not ours: the page scrolls
      e.preventDefault();  // Ctrl + wheel would zoom the whole page otherwise
      zoomAt(s, i, g.dx(X), g.dy(Y), Math.pow(1.0015, Math.max(-300, Math.min(300, e.deltaY))));
      draw(s);
    },
    dblclick: (e) => {
      const [X, Y] = local(s, e), [i] = panelAt(s, X, Y);
      if (i !== null) { s.zoom[i] = null; draw(s); }
    },
  };
  for (const [name, f] of Object.entries(on)) c.addEventListener(name, f, name === "wheel" ? { passive: false } : undefined);
  const scrolled = () => { s.tip.style.display = "none"; };  // whichever element scrolls, the label must not stay behind
  document.addEventListener("scroll", scrolled, { capture: true, passive: true });
  const resized = () => { if (s.data) draw(s); };  // a shorter window makes a shorter chart
  window.addEventListener("resize", resized);
  const resize = new ResizeObserver(() => { if (s.data && Math.max(s.root.clientWidth, 300) !== s.width) draw(s); });
  resize.observe(s.root);
  s.listening = () => {
    for (const [name, f] of Object.entries(on)) c.removeEventListener(name, f);
    document.removeEventListener("scroll", scrolled, { capture: true });
    window.removeEventListener("resize", resized);
    resize.disconnect();
  };
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const s = parentElement.__cloud || (parentElement.__cloud = build(parentElement));
  s.send = setTriggerValue;
  if (s.view !== data.view) {  // another projection, pair or colouring: zoom starts over
    s.zoom = data.panels.map(() => null);
    s.view = data.view;
  }
  s.data = data;
  // rank or true accuracy colour both sides' cells alike: one colour bar, on the right, leaves the plots wider
  s.sharedBar = data.panels.every((p) => JSON.stringify(p.bar) === JSON.stringify(data.panels[0].bar));
  s.title.textContent = data.title;
  s.root.dataset.title = data.title;
  s.root.dataset.drawn = data.panels.map((p) => p.x.length).join(",");
  s.root.dataset.selected = data.panels.map((p) => (p.selected ? p.selected.x.length : "")).join(",");
  s.tip.style.display = "none";  // a new run redraws: what the label pointed at may have moved
  paintButtons(s);
  paintLegend(s);  // before drawing: its height sets the plots'
  draw(s);
  if (!s.listening) listen(s);
  return () => {
    if (s.listening) s.listening();
    s.listening = null;
  };
}
