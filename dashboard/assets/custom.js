/* The dashboard's charts draw with plotly.js (dashboard/live_figure.py). Solara runs this
   file as the page opens: loading plotly.js starts now, while the server builds the page,
   instead of when the first chart arrives. The charts wait for the same promise. */
(function () {
  if (window.Plotly || window.__liveFigurePlotly) return;
  var root = (window.solara && window.solara.rootPath) || "";
  window.__liveFigurePlotly = new Promise(function (resolve, reject) {
    var script = document.createElement("script");
    script.src = root + "/static/assets/plotly.min.js";
    script.async = true;
    script.onload = function () { resolve(window.Plotly); };
    script.onerror = function () {
      window.__liveFigurePlotly = null;  /* the first chart tries again */
      reject(new Error("plotly.js could not be loaded from " + script.src));
    };
    document.head.appendChild(script);
  });
  window.__liveFigurePlotly.catch(function () {});
})();
