// A program report as one self-contained HTML page (`plaudit report ... -o html`): its tables and
// plots (the standings' spread per peer group, win share against eligible share, spend over time,
// the effect estimates with their intervals) drawn as inline SVG, with inline CSS and no script,
// so that the file opens anywhere without a network. Every figure shown in a table carries
// `data-figure`, the path of the same figure in `-o json` (`periods.0.participation.ranked`), so
// that a test can check the page against the JSON.
#ifndef PLAUDIT_CLIENTS_PLAUDIT_REPORT_HTML_H_
#define PLAUDIT_CLIENTS_PLAUDIT_REPORT_HTML_H_

#include <string>

#include "plaudit/v1/reports.pb.h"

namespace plaudit::cli {

std::string RenderReportHtml(const ::plaudit::v1::ProgramReport& report);

}  // namespace plaudit::cli

#endif  // PLAUDIT_CLIENTS_PLAUDIT_REPORT_HTML_H_
