// The Latent page's 2-D chart (crlso_app/cloud_chart.py builds its data): each side's cells as
// dots on one 2-D canvas. Streamlit calls this function on every run with the new data; the
// chart keeps its canvas, zoom and mode across runs, so a new projection or colouring is a
// redraw, not a new chart. Events back to Python: "pick" {panel, point} (a click on a dot) and
// "region" {panel, polygon} (a box or lasso, in data coordinates).

const PAD = { l: 74, r: 104, t: 30, b: 54 };  // around each panel's plot: y ticks and title, colour bar, panel title, x ticks and title
const HIT = 9;  // px: how near a dot a click or hover must be
const FADED = 0.18;  // opacity of the dots outside a selected region
const MARK = "#ffbf00";  // the selected cell: gold, as on the other pages

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
  const tools = [["pick", "Click a dot to pick its cell; drag to pan, scroll to zoom"], ["box", "Box: drag a rectangle to summarise its cells"],
    ["lasso", "Lasso: draw around the cells to summarise"], ["reset", "Reset zoom (or double-click a panel)"], ["png", "Save the chart as PNG"]];
  const names = { pick: "Pick", box: "Box", lasso: "Lasso", reset: "Reset zoom", png: "PNG" };
  for (const [name, help] of tools) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = names[name];
    b.title = help;
    b.dataset.tool = name;
    b.setAttribute("aria-label", help);
    b.style.cssText = "font:inherit;font-size:13px;padding:2px 9px;border:1px solid #bbb;border-radius:6px;background:#fff;color:#222;cursor:pointer";
    b.onclick = () => tool(s, name);
    s.buttons[name] = b;
    head.appendChild(b);
  }
  const canvas = document.createElement("canvas");
  canvas.style.cssText = "display:block;width:100%;touch-action:none";
  const tip = document.createElement("div");
  tip.className = "crlso-cloud-tip";
  tip.style.cssText = "position:absolute;pointer-events:none;display:none;background:#fff;color:#111;border:1px solid #888;"
    + "border-radius:4px;padding:3px 7px;font-size:13px;white-space:nowrap;box-shadow:0 1px 4px rgba(0,0,0,.2);z-index:5";
  root.append(head, canvas, tip);
  parent.appendChild(root);
  Object.assign(s, { canvas, tip, ctx: canvas.getContext("2d") });
  // for tests and benchmarks: where panel i's dots are on screen, in drawing order, with their hover labels
  root.screenPoints = (i) => {
    const box = canvas.getBoundingClientRect(), p = s.data.panels[i], g = geometry(s, i);
    return p.x.map((x, k) => [box.left + g.px(x), box.top + g.py(p.y[k]), p.label[k]]);
  };
  return s;
}

function tool(s, name) {
  if (name === "reset") { s.zoom = s.zoom.map(() => null); draw(s); return; }
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
    b.style.background = on ? "#31333f" : "#fff";
    b.style.color = on ? "#fff" : "#222";
    b.setAttribute("aria-pressed", on ? "true" : "false");
  }
}

function geometry(s, i) {
  const n = s.data.panels.length, W = s.width / n, p = s.data.panels[i];
  const left = i * W + PAD.l, right = (i + 1) * W - PAD.r, top = PAD.t, bottom = s.height - PAD.b;
  const [x0, x1, y0, y1] = s.zoom[i] || p.range;
  const px = (x) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  const dx = (X) => x0 + ((X - left) / (right - left)) * (x1 - x0);
  const dy = (Y) => y0 + ((bottom - Y) / (bottom - top)) * (y1 - y0);
  return { left, right, top, bottom, x0, x1, y0, y1, px, py, dx, dy };
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
  s.height = data.height;
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
  ctx.fillStyle = "#222";
  ctx.textAlign = "center";
  ctx.textBaseline = "alphabetic";
  ctx.fillText(p.title, (g.left + g.right) / 2, g.top - 10);
  ctx.font = `13px ${font}`;
  ctx.strokeStyle = "#e6e6e6";
  ctx.lineWidth = 1;
  ctx.fillStyle = "#444";
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
  ctx.fillStyle = "#222";
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(p.axes[0], (g.left + g.right) / 2, s.height - 6);
  ctx.save();
  ctx.translate(g.left - 56, (g.top + g.bottom) / 2);
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
  for (let k = 0; k < p.x.length; k++) {
    const X = g.px(p.x[k]), Y = g.py(p.y[k]);
    if (X < g.left - 5 || X > g.right + 5 || Y < g.top - 5 || Y > g.bottom + 5) continue;
    const inRegion = !region || inside(region, p.x[k], p.y[k]);
    ctx.globalAlpha = inRegion ? 0.85 : FADED;
    ctx.fillStyle = data.palette[p.colour[k]];
    ctx.beginPath();
    ctx.arc(X, Y, inRegion ? 2.6 : 2, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.globalAlpha = 1;
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
  drawColourBar(s, p, g, font);
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
  ctx.font = `12px ${font}`;
  ctx.fillStyle = "#444";
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  for (const [pos, text] of p.bar.ticks) ctx.fillText(text, x + w + 4, g.bottom - pos * h);
  ctx.save();
  ctx.translate(x + w + 62, (g.top + g.bottom) / 2);
  ctx.rotate(Math.PI / 2);
  ctx.font = `13px ${font}`;
  ctx.fillStyle = "#222";
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
        s.zoom[d.i] = [x0 - (X - d.X) * sx, x1 - (X - d.X) * sx, y0 + (Y - d.Y) * sy, y1 + (Y - d.Y) * sy];
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
      const [X, Y] = local(s, e), [i, g] = panelAt(s, X, Y);
      if (i === null) return;
      e.preventDefault();
      const f = Math.pow(1.0015, e.deltaY), x = g.dx(X), y = g.dy(Y);
      s.zoom[i] = [x + (g.x0 - x) * f, x + (g.x1 - x) * f, y + (g.y0 - y) * f, y + (g.y1 - y) * f];
      draw(s);
    },
    dblclick: (e) => {
      const [X, Y] = local(s, e), [i] = panelAt(s, X, Y);
      if (i !== null) { s.zoom[i] = null; draw(s); }
    },
  };
  for (const [name, f] of Object.entries(on)) c.addEventListener(name, f, name === "wheel" ? { passive: false } : undefined);
  const resize = new ResizeObserver(() => { if (s.data && Math.max(s.root.clientWidth, 300) !== s.width) draw(s); });
  resize.observe(s.root);
  s.listening = () => {
    for (const [name, f] of Object.entries(on)) c.removeEventListener(name, f);
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
  s.title.textContent = data.title;
  s.root.dataset.title = data.title;
  s.root.dataset.drawn = data.panels.map((p) => p.x.length).join(",");
  paintButtons(s);
  draw(s);
  if (!s.listening) listen(s);
  return () => {
    if (s.listening) s.listening();
    s.listening = null;
  };
}
