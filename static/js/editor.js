// Rich-text lessons: Quill (static/vendor/quill, BSD-3) over the textarea it fills on submit. Without
// JavaScript the plain textarea still works; the server sanitises whatever arrives (bleach).
(function () {
  if (typeof Quill === "undefined") return;
  document.querySelectorAll("textarea[data-rich-text]").forEach(function (area) {
    var holder = document.getElementById("rich-editor");
    if (!holder) return;
    holder.classList.remove("d-none");
    holder.removeAttribute("aria-hidden");
    area.classList.add("d-none");
    var quill = new Quill(holder, {
      theme: "snow",
      modules: {toolbar: [[{header: [2, 3, false]}], ["bold", "italic", "underline"],
                          [{list: "ordered"}, {list: "bullet"}], ["link", "blockquote"], ["clean"]]}
    });
    quill.clipboard.dangerouslyPasteHTML(area.value || "");
    area.form.addEventListener("submit", function () {
      // getSemanticHTML gives real <ul>/<ol> lists (the editor's own markup marks them with an
      // attribute the sanitiser drops) but writes every space as &nbsp;: put plain spaces back.
      area.value = quill.getText().trim() ? quill.getSemanticHTML().replace(/&nbsp;|\u00a0/g, " ") : "";
    });
  });
})();
