// The county's table refreshes itself from status.json every few seconds (text only, never HTML).
function stamp(text) { return (text || "").replace("T", " ").slice(0, 19); }
function link(href, text) { const a = document.createElement("a"); a.href = href; a.textContent = text; return a; }
async function refresh(section) {
  const token = location.pathname.split("/")[2];
  const labels = JSON.parse(document.getElementById("status").dataset.labels);    // templates.labels
  let status;
  try { status = await (await fetch(section.dataset.status, {cache: "no-store"})).json(); } catch (e) { return; }
  for (const [key, value] of Object.entries(status.summary)) {
    const b = document.querySelector(`[data-count="${key}"]`);
    if (b) b.textContent = value;
  }
  for (const t of status.townships) {
    const row = [...document.querySelectorAll("#status tbody tr")].find(r => r.dataset.name === t.name);
    if (!row) continue;
    row.className = "status-" + t.status;
    const state = labels[t.status] || t.status;
    row.querySelector(".state").textContent = ["missing", "ok"].includes(t.status) ? state : `${state}（${t.errors}）`;
    row.querySelector(".time").textContent = t.latest ? stamp(t.latest.time) : "—";
    row.querySelector(".uploads").textContent = t.uploads;
    const view = row.querySelector(".view");
    view.replaceChildren();
    if (t.latest) {
      view.append(link(`/c/${token}/u/${t.latest.id}`, "问题"), " · ", link(`/c/${token}/u/${t.latest.id}/file`, "文件"));
    }
  }
}
document.addEventListener("DOMContentLoaded", () => {
  const section = document.getElementById("round");
  if (section) setInterval(() => refresh(section), 2000);
});
