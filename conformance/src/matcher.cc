#include "mock_courier/conformance/matcher.h"

#include <vector>

namespace mock_courier::conformance {
namespace {

std::string Child(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}

void Match(const Json& expected, const Json* actual, const std::string& path, MatchResult& out);

void Leaf(bool ok, const std::string& path, const std::string& problem, const Json& expected,
          const Json* actual, MatchResult& out) {
  ++out.total;
  if (ok) {
    ++out.matched;
    return;
  }
  out.ok = false;
  out.diffs.push_back({path, problem, expected, actual ? *actual : Json()});
}

bool IsOperator(const Json& expected, const char* name) {
  return expected.is_object() && expected.size() == 1 && expected.contains(name);
}

void MatchContains(const Json& wanted, const Json* actual, const std::string& path,
                   MatchResult& out) {
  if (!actual->is_array()) {
    Leaf(false, path, "type", Json{{"$contains", wanted}}, actual, out);
    return;
  }
  std::vector<bool> used(actual->size(), false);
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    int best = -1;
    int best_score = -1;
    bool found = false;
    for (std::size_t j = 0; j < actual->size(); ++j) {
      if (used[j]) continue;
      MatchResult r = MatchJson(wanted[i], (*actual)[j]);
      if (r.ok) {
        used[j] = true;
        found = true;
        break;
      }
      if (r.matched > best_score) {
        best_score = r.matched;
        best = static_cast<int>(j);
      }
    }
    const Json none;
    Leaf(found, path + "[?" + std::to_string(i) + "]", "no element matches", wanted[i],
         found ? nullptr : (best >= 0 ? &(*actual)[static_cast<std::size_t>(best)] : &none), out);
  }
}

void Match(const Json& expected, const Json* actual, const std::string& path, MatchResult& out) {
  if (expected.is_string()) {
    const std::string& e = expected.get_ref<const std::string&>();
    if (e == "$absent") {
      Leaf(actual == nullptr, path, "unexpected", expected, actual, out);
      return;
    }
    if (actual == nullptr) {
      Leaf(false, path, "missing", expected, nullptr, out);
      return;
    }
    if (e == "$any") {
      Leaf(true, path, "", expected, actual, out);
      return;
    }
    if (!actual->is_string()) {
      Leaf(false, path, "type", expected, actual, out);
      return;
    }
    const std::string& a = actual->get_ref<const std::string&>();
    bool ok = e.find('*') == std::string::npos ? e == a : WildcardMatch(e, a);
    Leaf(ok, path, "differs", expected, actual, out);
    return;
  }
  if (actual == nullptr) {
    Leaf(false, path, "missing", expected, nullptr, out);
    return;
  }
  if (IsOperator(expected, "$contains") && expected["$contains"].is_array()) {
    MatchContains(expected["$contains"], actual, path, out);
    return;
  }
  if (expected.is_object()) {
    if (!actual->is_object()) {
      Leaf(false, path, "type", expected, actual, out);
      return;
    }
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      auto found = actual->find(it.key());
      Match(it.value(), found == actual->end() ? nullptr : &*found, Child(path, it.key()), out);
    }
    return;
  }
  if (expected.is_array()) {
    if (!actual->is_array()) {
      Leaf(false, path, "type", expected, actual, out);
      return;
    }
    if (expected.size() != actual->size()) {
      out.ok = false;
      out.diffs.push_back({path, "length", Json(expected.size()), Json(actual->size())});
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const Json* element = i < actual->size() ? &(*actual)[i] : nullptr;
      Match(expected[i], element, path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  if (expected.is_number() && actual->is_number()) {
    Leaf(expected.get<double>() == actual->get<double>(), path, "differs", expected, actual, out);
    return;
  }
  Leaf(expected == *actual, path, expected.type() == actual->type() ? "differs" : "type", expected,
       actual, out);
}

}  // namespace

MatchResult MatchJson(const Json& expected, const Json& actual, const std::string& base) {
  MatchResult out;
  Match(expected, &actual, base, out);
  return out;
}

bool WildcardMatch(const std::string& pattern, const std::string& text) {
  // Iterative glob with backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Json DiffsToJson(const std::vector<FieldDiff>& diffs) {
  Json out = Json::array();
  for (const auto& d : diffs) {
    out.push_back({{"path", d.path.empty() ? "(root)" : d.path},
                   {"problem", d.problem},
                   {"expected", d.expected},
                   {"actual", d.actual}});
  }
  return out;
}

}  // namespace mock_courier::conformance
