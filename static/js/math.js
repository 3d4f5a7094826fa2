// Formulas in statements: $…$ inline and $$…$$ on their own line, typeset by the vendored KaTeX as
// MathML (the browser draws it; no inline styles for the Content-Security-Policy to refuse).
(function () {
  "use strict";
  if (typeof renderMathInElement !== "function") { return; }
  document.querySelectorAll(".statement").forEach(function (el) {
    renderMathInElement(el, {
      delimiters: [{left: "$$", right: "$$", display: true}, {left: "$", right: "$", display: false}],
      output: "mathml", throwOnError: false
    });
  });
})();
