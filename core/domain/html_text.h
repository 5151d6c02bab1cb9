// Text put into HTML: the five characters with a meaning in markup or attribute values escaped.
// Header-only, for the pages a tool or the CLI writes without a template library.
#ifndef PLAUDIT_CORE_DOMAIN_HTML_TEXT_H_
#define PLAUDIT_CORE_DOMAIN_HTML_TEXT_H_

#include <string>
#include <string_view>

namespace plaudit {

inline std::string HtmlText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace plaudit

#endif  // PLAUDIT_CORE_DOMAIN_HTML_TEXT_H_
