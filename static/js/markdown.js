/* A tiny, safe markdown renderer for agent replies: paragraphs, line breaks, bullet and
 * numbered lists, **bold** and `code`. It builds DOM nodes and sets only textContent, so
 * nothing the model writes can become markup. */

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const INLINE = /(\*\*[^*\n]+\*\*|`[^`\n]+`)/g;

function appendInline(parent, text) {
  let last = 0;
  text.replace(INLINE, (match, _token, offset) => {
    if (offset > last) parent.appendChild(document.createTextNode(text.slice(last, offset)));
    const code = match.charAt(0) === "`";
    const node = document.createElement(code ? "code" : "strong");
    node.textContent = code ? match.slice(1, -1) : match.slice(2, -2);
    parent.appendChild(node);
    last = offset + match.length;
    return match;
  });
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

export function render(text) {
  const frag = document.createDocumentFragment();
  const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
  let para = null;
  let list = null;
  let listKind = null;

  lines.forEach((line) => {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    if (bullet || numbered) {
      const kind = bullet ? "ul" : "ol";
      if (!list || listKind !== kind) {
        list = document.createElement(kind);
        listKind = kind;
        frag.appendChild(list);
      }
      para = null;
      const li = document.createElement("li");
      appendInline(li, (bullet || numbered)[1]);
      list.appendChild(li);
      return;
    }
    list = null;
    listKind = null;
    if (!line.trim()) {
      para = null;
      return;
    }
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
