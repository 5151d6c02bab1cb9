#include "fulfilment/certificate/qr_code.h"

#include <qrencode.h>

#include <memory>
#include <string>

namespace plaudit::fulfilment {

std::optional<QrMatrix> EncodeQr(std::string_view text) {
  if (text.empty() || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string copy(text);
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeString8bit(copy.c_str(), /*version=*/0, QR_ECLEVEL_M), &QRcode_free);
  if (!code || code->width <= 0) return std::nullopt;
  QrMatrix matrix;
  matrix.size = code->width;
  matrix.dark.resize(static_cast<size_t>(matrix.size) * matrix.size);
  for (size_t i = 0; i < matrix.dark.size(); ++i) matrix.dark[i] = (code->data[i] & 1) != 0;
  return matrix;
}

void DrawQr(cairo_t* cr, const QrMatrix& qr, double x, double y, double side) {
  if (qr.size <= 0) return;
  const double module = side / qr.size;
  const double quiet = kQrQuietZoneModules * module;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, x - quiet, y - quiet, side + 2 * quiet, side + 2 * quiet);
  cairo_fill(cr);

  // One rectangle per horizontal run of dark modules, filled as a single path: no seams between
  // neighbouring modules in any viewer.
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int row = 0; row < qr.size; ++row) {
    int column = 0;
    while (column < qr.size) {
      if (!qr.Dark(column, row)) {
        ++column;
        continue;
      }
      const int start = column;
      while (column < qr.size && qr.Dark(column, row)) ++column;
      cairo_rectangle(cr, x + start * module, y + row * module, (column - start) * module, module);
    }
  }
  cairo_fill(cr);
}

}  // namespace plaudit::fulfilment
