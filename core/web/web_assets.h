// The pages' files (HTML, JavaScript, CSS, message catalogues), compiled into plauditd from web/
// at build time (cmake/embed_web_assets.cmake), so the pages need nothing beside the binary and
// nothing from the internet.
#ifndef PLAUDIT_CORE_WEB_WEB_ASSETS_H_
#define PLAUDIT_CORE_WEB_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace plaudit::web {

struct WebAsset {
  // The URL path it is served at ("/me.html").
  std::string_view path;
  std::string_view content_type;
  std::string_view body;
};

std::span<const WebAsset> WebAssets();

// The asset served at `path`, or nullptr.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace plaudit::web

#endif  // PLAUDIT_CORE_WEB_WEB_ASSETS_H_
