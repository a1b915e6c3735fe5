// Drop zone: a file dropped on the box is put into the form's file input and the form is sent.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("upload-form");
  const drop = document.getElementById("drop");
  const input = document.getElementById("file");
  if (!form) return;
  const send = () => { document.getElementById("busy").hidden = false; form.requestSubmit ? form.requestSubmit() : form.submit(); };
  ["dragenter", "dragover"].forEach(e => drop.addEventListener(e, ev => { ev.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach(e => drop.addEventListener(e, () => drop.classList.remove("over")));
  drop.addEventListener("drop", ev => {
    ev.preventDefault();
    if (ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; send(); }
  });
  input.addEventListener("change", () => { if (input.files.length) send(); });
});
