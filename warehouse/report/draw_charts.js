for (const box of document.querySelectorAll(".chart")) {
  const spec = JSON.parse(document.getElementById(box.dataset.spec).textContent);
  vegaEmbed(box, spec, {renderer: "svg", actions: false, mode: "vega-lite"})
    .catch((err) => { box.textContent = "chart failed: " + err; box.classList.add("failed"); });
}
