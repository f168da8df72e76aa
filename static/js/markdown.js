/* A tiny, safe markdown renderer for agent replies: paragraphs, line breaks, bullet and
 * numbered lists, **bold** and `code`. It builds DOM nodes and sets only textContent, so
 * nothing the model writes can become markup. Strings given as `literal` (task titles: data,
 * not formatting) show exactly as written wherever the text contains them. */

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const INLINE = /(\*\*[^*\n]+\*\*|`[^`\n]+`)/g;

function appendFormatted(parent, text) {
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

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A pattern matching any of the literal strings that markdown would otherwise change. */
function literalPattern(literal) {
  const marked = [...new Set(literal)].filter((item) => item && /[*`]/.test(item));
  if (!marked.length) return null;
  marked.sort((a, b) => b.length - a.length); // the longest first, so it wins over a part of it
  return new RegExp(marked.map(escapeRegExp).join("|"), "g");
}

function appendInline(parent, text, literals) {
  if (!literals) {
    appendFormatted(parent, text);
    return;
  }
  let last = 0;
  for (const match of text.matchAll(literals)) {
    appendFormatted(parent, text.slice(last, match.index));
    parent.appendChild(document.createTextNode(match[0]));
    last = match.index + match[0].length;
  }
  appendFormatted(parent, text.slice(last));
}

export function render(text, { literal = [] } = {}) {
  const literals = literalPattern(literal);
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
      appendInline(li, (bullet || numbered)[1], literals);
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
    appendInline(para, line, literals);
  });
  return frag;
}
