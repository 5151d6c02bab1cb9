#include "fulfilment/certificate/certificate_words.h"

#include <array>
#include <cctype>
#include <string>

namespace plaudit::fulfilment {
namespace {

constexpr std::array<CertificateWords, 5> kWords = {{
    {"en",
     "Certificate of Recognition",
     "is presented to",
     "for {}",
     "Award {}",
     "Credential {}",
     "Scan to verify",
     {"January", "February", "March", "April", "May", "June", "July", "August", "September",
      "October", "November", "December"},
     false},
    {"ms",
     "Sijil Penghargaan",
     "dianugerahkan kepada",
     "bagi {}",
     "Anugerah {}",
     "Kelayakan {}",
     "Imbas untuk mengesahkan",
     {"Januari", "Februari", "Mac", "April", "Mei", "Jun", "Julai", "Ogos", "September", "Oktober",
      "November", "Disember"},
     false},
    {"pt",
     "Certificado de Reconhecimento",
     "é atribuído a",
     "referente a {}",
     "Prémio {}",
     "Credencial {}",
     "Leia o código para verificar",
     {"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
      "outubro", "novembro", "dezembro"},
     false},
    {"sv",
     "Intyg om erkännande",
     "tilldelas",
     "för {}",
     "Utmärkelse {}",
     "Intyg {}",
     "Skanna för att verifiera",
     {"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
      "oktober", "november", "december"},
     false},
    {"fa",
     "گواهی قدردانی",
     "تقدیم به",
     "برای {}",
     "جایزه {}",
     "اعتبارنامه {}",
     "برای اعتبارسنجی اسکن کنید",
     {"ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر",
      "نوامبر", "دسامبر"},
     true},
}};

// The number in decimal, in Extended Arabic-Indic digits where the language writes them.
std::string Digits(const CertificateWords& words, long long number) {
  const std::string ascii = std::to_string(number);
  if (!words.native_digits) return ascii;
  static constexpr const char* kPersian[] = {"۰", "۱", "۲", "۳", "۴", "۵", "۶", "۷", "۸", "۹"};
  std::string out;
  for (char c : ascii) out += c >= '0' && c <= '9' ? kPersian[c - '0'] : std::string(1, c);
  return out;
}

// Portuguese joins day, month and year with "de".
std::string Joiner(const CertificateWords& words) {
  return std::string(words.language) == "pt" ? " de " : " ";
}

}  // namespace

const CertificateWords* WordsFor(std::string_view language_tag) {
  std::string primary;
  for (char c : language_tag) {
    if (c == '-' || c == '_') break;
    primary.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  for (const CertificateWords& words : kWords) {
    if (primary == words.language) return &words;
  }
  return nullptr;
}

const CertificateWords& EnglishWords() { return kWords[0]; }

std::string PhraseMonth(const CertificateWords& words, absl::CivilMonth month) {
  return words.months[month.month() - 1] + Joiner(words) + Digits(words, month.year());
}

std::string PhraseDay(const CertificateWords& words, absl::CivilDay day) {
  return Digits(words, day.day()) + Joiner(words) + PhraseMonth(words, absl::CivilMonth(day));
}

std::string Fill(const char* pattern, std::string_view value) {
  std::string out(pattern);
  const size_t at = out.find("{}");
  if (at != std::string::npos) out.replace(at, 2, value);
  return out;
}

}  // namespace plaudit::fulfilment
