#include "mock_courier/time_format.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace mock_courier {
namespace {

TimePoint FromCivil(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  sys_days days{year{y} / month{m} / day{d}};
  return duration_cast<milliseconds>(days.time_since_epoch()).count();
}

bool ValidDate(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return year_month_day{year{y}, month{m}, day{d}}.ok();
}

// Reads exactly `n` digits at `pos`; advances pos.
bool ReadDigits(std::string_view s, size_t& pos, int n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Consume(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::optional<Duration> UnitLength(std::string_view u, bool allow_seconds) {
  if (u.size() > 1 && u.back() == 's') u.remove_suffix(1);
  if (u == "minute") return kMinute;
  if (u == "hour") return kHour;
  if (u == "day") return kDay;
  if (u == "week") return 7 * kDay;
  if (u == "month") return 30 * kDay;
  if (u == "year") return 365 * kDay;
  if (allow_seconds && u == "second") return kSecond;
  if (allow_seconds && u == "millisecond") return 1;
  return std::nullopt;
}

// Longer durations are refused: a Duration must not overflow, and nothing
// real waits ten thousand years.
constexpr Duration kMaxDuration = 10000 * 365 * kDay;

// `number` (digits and at most one '.') as a double, or nullopt when it is
// malformed ("" or "."). Read in place (every delay step of every run reads
// one); a number out of a double's range takes strtod, as before, for its
// infinity or zero.
std::optional<double> ParseAmount(std::string_view number) {
  if (number.empty() || number == "." || number.find('.') != number.rfind('.')) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (error == std::errc::result_out_of_range) {
    return std::strtod(std::string(number).c_str(), nullptr);
  }
  if (error != std::errc() || end != number.data() + number.size()) return std::nullopt;
  return value;
}

// `amount` times `unit`, or nullopt when the product is over kMaxDuration
// (casting a larger double to Duration is undefined).
std::optional<double> Scaled(double amount, Duration unit) {
  const double value = amount * static_cast<double>(unit);
  if (!(value >= 0) || value > static_cast<double>(kMaxDuration)) return std::nullopt;
  return value;
}

std::optional<double> ScaledAmount(std::string_view number, Duration unit) {
  const std::optional<double> amount = ParseAmount(number);
  if (!amount) return std::nullopt;
  return Scaled(*amount, unit);
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// "<n> <unit>" (Courier's delay regex: (\d*\.?\d+)\s+(unit)).
std::optional<Duration> ParseHumanDuration(std::string_view text, bool allow_seconds) {
  size_t pos = 0;
  while (pos < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[pos])) || text[pos] == '.')) {
    ++pos;
  }
  const std::string_view number = text.substr(0, pos);
  const size_t spaces_from = pos;
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  if (pos == spaces_from) return std::nullopt;
  std::string_view unit = text.substr(pos);
  while (!unit.empty() && IsSpace(unit.back())) unit.remove_suffix(1);
  // Courier's delay regex is lower-case (its steps docs write every unit so),
  // so a delay unit must be too; the admin forms also take "2 Hours".
  char lowered[16];
  if (allow_seconds) {
    if (unit.size() > sizeof lowered) return std::nullopt;  // Longer than any unit.
    for (size_t i = 0; i < unit.size(); ++i) {
      lowered[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(unit[i])));
    }
    unit = std::string_view(lowered, unit.size());
  }
  const std::optional<Duration> length = UnitLength(unit, allow_seconds);
  const std::optional<double> amount = ParseAmount(number);
  if (!length || !amount || !Scaled(*amount, *length)) return std::nullopt;
  // date-fns `add` floors a fractional amount of a unit.
  return static_cast<Duration>(std::floor(*amount)) * *length;
}

// ISO-8601 duration: P[nY][nM][nW][nD][T[nH][nM][nS]].
std::optional<Duration> ParseIsoDuration(std::string_view text) {
  if (text.size() < 3 || (text[0] != 'P' && text[0] != 'p')) return std::nullopt;
  Duration total = 0;
  bool in_time = false;
  bool any = false;
  std::string number;
  for (size_t i = 1; i < text.size(); ++i) {
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(text[i])));
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      number += c;
      continue;
    }
    if (c == 'T') {
      if (in_time || !number.empty()) return std::nullopt;
      in_time = true;
      continue;
    }
    if (number.empty()) return std::nullopt;
    const std::string amount = number;
    number.clear();
    Duration unit = 0;
    if (!in_time) {
      if (c == 'Y')
        unit = 365 * kDay;
      else if (c == 'M')
        unit = 30 * kDay;
      else if (c == 'W')
        unit = 7 * kDay;
      else if (c == 'D')
        unit = kDay;
      else
        return std::nullopt;
    } else {
      if (c == 'H')
        unit = kHour;
      else if (c == 'M')
        unit = kMinute;
      else if (c == 'S')
        unit = kSecond;
      else
        return std::nullopt;
    }
    auto scaled = ScaledAmount(amount, unit);
    if (!scaled) return std::nullopt;
    total += static_cast<Duration>(std::llround(*scaled));
    if (total > kMaxDuration) return std::nullopt;
    any = true;
  }
  if (!number.empty() || !any) return std::nullopt;
  return total;
}

}  // namespace

std::size_t FormatIso8601To(TimePoint t, char* out) {
  using namespace std::chrono;
  TimePoint day_ms = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
  sys_days days{std::chrono::days{day_ms}};
  year_month_day ymd{days};
  Duration rest = t - day_ms * kDay;
  const int year = static_cast<int>(ymd.year());
  const int hour = static_cast<int>(rest / kHour);
  const int minute = static_cast<int>(rest % kHour / kMinute);
  const int second = static_cast<int>(rest % kMinute / kSecond);
  const int milli = static_cast<int>(rest % kSecond);
  if (year < 0 || year > 9999) {
    // Outside four digits: what printf's %04d writes ("-001", "12345").
    const int n = std::snprintf(out, kIso8601Capacity, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year,
                                static_cast<unsigned>(ymd.month()),
                                static_cast<unsigned>(ymd.day()), hour, minute, second, milli);
    return static_cast<std::size_t>(n);
  }
  const auto digits = [&out](int value, int width, std::size_t at) {
    for (int i = width - 1; i >= 0; --i, value /= 10)
      out[at + i] = static_cast<char>('0' + value % 10);
  };
  digits(year, 4, 0);
  out[4] = '-';
  digits(static_cast<int>(static_cast<unsigned>(ymd.month())), 2, 5);
  out[7] = '-';
  digits(static_cast<int>(static_cast<unsigned>(ymd.day())), 2, 8);
  out[10] = 'T';
  digits(hour, 2, 11);
  out[13] = ':';
  digits(minute, 2, 14);
  out[16] = ':';
  digits(second, 2, 17);
  out[19] = '.';
  digits(milli, 3, 20);
  out[23] = 'Z';
  return 24;
}

std::string FormatIso8601(TimePoint t) {
  char buffer[kIso8601Capacity];
  return std::string(buffer, FormatIso8601To(t, buffer));
}

std::optional<TimePoint> ParseIso8601(std::string_view s) {
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ReadDigits(s, pos, 4, y)) return std::nullopt;
  bool extended = Consume(s, pos, '-');
  if (!ReadDigits(s, pos, 2, mo)) return std::nullopt;
  if (extended && !Consume(s, pos, '-')) return std::nullopt;
  if (!ReadDigits(s, pos, 2, d)) return std::nullopt;
  if (!ValidDate(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) return std::nullopt;
  TimePoint result = FromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  if (pos == s.size()) return result;
  if (!Consume(s, pos, 'T') && !Consume(s, pos, 't') && !Consume(s, pos, ' ')) return std::nullopt;
  if (!ReadDigits(s, pos, 2, h)) return std::nullopt;
  if (extended && !Consume(s, pos, ':')) return std::nullopt;
  if (!ReadDigits(s, pos, 2, mi)) return std::nullopt;
  bool has_seconds = extended
                         ? Consume(s, pos, ':')
                         : (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])));
  if (has_seconds && !ReadDigits(s, pos, 2, sec)) return std::nullopt;
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  Duration millis = 0;
  if (Consume(s, pos, '.') || Consume(s, pos, ',')) {
    int digits = 0;
    Duration scale = 100;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 3) millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
  }
  result += h * kHour + mi * kMinute + sec * kSecond + millis;
  if (pos == s.size() || Consume(s, pos, 'Z') || Consume(s, pos, 'z')) {
    return pos == s.size() ? std::optional<TimePoint>(result) : std::nullopt;
  }
  int sign = 0;
  if (Consume(s, pos, '+'))
    sign = 1;
  else if (Consume(s, pos, '-'))
    sign = -1;
  else
    return std::nullopt;
  int oh = 0, om = 0;
  if (!ReadDigits(s, pos, 2, oh)) return std::nullopt;
  Consume(s, pos, ':');
  if (pos < s.size() && !ReadDigits(s, pos, 2, om)) return std::nullopt;
  if (pos != s.size()) return std::nullopt;
  return result - sign * (oh * kHour + om * kMinute);
}

bool IsExtendedIsoDateTime(std::string_view s) {
  // YYYY-MM-DD, a T (or t, or space), HH:MM:SS, optional fraction, optional zone.
  auto digits = [&](size_t at, size_t n) {
    if (at + n > s.size()) return false;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  if (s.size() < 19 || !digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' ||
      !digits(8, 2) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(11, 2) ||
      s[13] != ':' || !digits(14, 2) || s[16] != ':' || !digits(17, 2)) {
    return false;
  }
  return ParseIso8601(s).has_value();
}

std::optional<Duration> ParseDelayDuration(std::string_view text) {
  if (auto iso = ParseIsoDuration(text)) return iso;
  return ParseHumanDuration(text, /*allow_seconds=*/false);
}

std::optional<Duration> ParseDuration(std::string_view text) {
  if (auto iso = ParseIsoDuration(text)) return iso;
  if (auto human = ParseHumanDuration(text, /*allow_seconds=*/true)) return human;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos &&
      text.size() < 16) {
    return std::stoll(std::string(text));
  }
  return std::nullopt;
}

}  // namespace mock_courier
