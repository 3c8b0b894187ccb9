// An allow-list sanitiser for notes: only plain formatting survives, as new nodes.

const TAGS = new Set([
  "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6",
  "hr", "i", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "u", "ul",
]);
// Wrappers whose content is kept while the tag itself goes.
const UNWRAP = new Set(["body", "html", "font"]);
const SAFE_URL = /^(https?:|mailto:)/i;

function copy(node, into) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      into.appendChild(document.createTextNode(child.nodeValue));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const tag = child.localName;
      if (TAGS.has(tag)) {
        const element = document.createElement(tag);
        const href = child.getAttribute("href");
        if (tag === "a" && href && SAFE_URL.test(href.trim())) {
          element.setAttribute("href", href.trim());
          element.setAttribute("rel", "noopener noreferrer nofollow");
        }
        copy(child, element);
        into.appendChild(element);
      } else if (UNWRAP.has(tag)) {
        copy(child, into);
      } else {
        // Anything else (script, img, iframe, svg, style...) is shown as the text it was.
        into.appendChild(document.createTextNode(child.outerHTML));
      }
    }
    // Comments and processing instructions are dropped.
  }
  return into;
}

/** A fragment of new, inert nodes for untrusted HTML: never parsed into the live page. */
export function sanitizedFragment(html) {
  // DOMParser documents are inert: no script runs and no resource loads while parsing.
  const parsed = new DOMParser().parseFromString(html || "", "text/html");
  return copy(parsed.body, document.createDocumentFragment());
}
