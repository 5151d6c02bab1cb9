// Where things sit on the certificate page, in PDF points (1/72 inch) from the top-left corner.
// Shared with the tests, which rasterise the PDF and read the QR code back from this square.
#ifndef PLAUDIT_FULFILMENT_CERTIFICATE_CERTIFICATE_LAYOUT_H_
#define PLAUDIT_FULFILMENT_CERTIFICATE_CERTIFICATE_LAYOUT_H_

namespace plaudit::fulfilment {

// A4 landscape.
inline constexpr double kPageWidth = 841.89;
inline constexpr double kPageHeight = 595.28;

// The QR code's modules fill this square (its quiet zone lies around it), bottom right inside
// the frame: 96 pt is 34 mm, about 1 mm a module for a verification URL, which phones read
// easily from print.
inline constexpr double kQrX = 684;
inline constexpr double kQrY = 412;
inline constexpr double kQrSide = 96;

}  // namespace plaudit::fulfilment

#endif  // PLAUDIT_FULFILMENT_CERTIFICATE_CERTIFICATE_LAYOUT_H_
