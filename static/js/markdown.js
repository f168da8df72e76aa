/* A tiny, safe markdown renderer for agent replies: paragraphs, line breaks, bullet and
 * numbered lists, **bold** and `code`. It builds DOM nodes and sets only textContent, so
 * nothing the model writes can become markup. */
(function () {
  "use strict";

  var BULLET = /^\s*[-*•]\s+(.*)$/;
  var NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
  var INLINE = /(\*\*[^*\n]+\*\*|`[^`\n]+`)/g;

  function appendInline(parent, text) {
    var last = 0;
    text.replace(INLINE, function (match, _token, offset) {
      if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var el;
      if (match.charAt(0) === "`") {
        el = document.createElement("code");
        el.textContent = match.slice(1, -1);
      } else {
        el = document.createElement("strong");
        el.textContent = match.slice(2, -2);
      }
      parent.appendChild(el);
      last = offset + match.length;
      return match;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function render(text) {
    var frag = document.createDocumentFragment();
    var lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    var para = null;
    var list = null;
    var listKind = null;

    function closeBlocks() {
      para = null;
      list = null;
      listKind = null;
    }

    lines.forEach(function (line) {
      var bullet = BULLET.exec(line);
      var numbered = bullet ? null : NUMBERED.exec(line);
      if (bullet || numbered) {
        var kind = bullet ? "ul" : "ol";
        if (!list || listKind !== kind) {
          list = document.createElement(kind);
          listKind = kind;
          frag.appendChild(list);
        }
        para = null;
        var li = document.createElement("li");
        appendInline(li, (bullet || numbered)[1]);
        list.appendChild(li);
        return;
      }
      if (!line.trim()) {
        closeBlocks();
        return;
      }
      list = null;
      listKind = null;
      if (para) {
        para.appendChild(document.createElement("br"));
      } else {
        para = document.createElement("p");
        frag.appendChild(para);
      }
      appendInline(para, line);
    });
    return frag;
  }

  window.TodoMarkdown = { render: render };
})();
