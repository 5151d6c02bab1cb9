// QR codes on certificates: the module matrix of a text (libqrencode) and its drawing with cairo
// as filled squares. Pure functions, safe from several threads.
#ifndef PLAUDIT_FULFILMENT_CERTIFICATE_QR_CODE_H_
#define PLAUDIT_FULFILMENT_CERTIFICATE_QR_CODE_H_

#include <cairo.h>

#include <optional>
#include <string_view>
#include <vector>

namespace plaudit::fulfilment {

// Modules a QR reader needs clear of marks around the symbol (ISO/IEC 18004).
inline constexpr int kQrQuietZoneModules = 4;

struct QrMatrix {
  int size = 0;            // modules per side
  std::vector<bool> dark;  // row-major, size * size

  bool Dark(int column, int row) const { return dark[static_cast<size_t>(row) * size + column]; }
};

// The smallest QR symbol holding `text` as bytes, with error correction level M (15% of the
// symbol may be damaged). nullopt when the text is empty, holds a NUL, or is too long for QR.
std::optional<QrMatrix> EncodeQr(std::string_view text);

// Draws `qr` so that its modules exactly fill the square at (x, y) with sides `side`, after
// painting the quiet zone around it white. Leaves the source colour black.
void DrawQr(cairo_t* cr, const QrMatrix& qr, double x, double y, double side);

}  // namespace plaudit::fulfilment

#endif  // PLAUDIT_FULFILMENT_CERTIFICATE_QR_CODE_H_
