// ParseJson (mock_courier/json_parse.h) against nlohmann's parser alone.
// ParseJson builds well-formed text with its own parser and hands the rest to
// nlohmann. Contracts checked: no exception; both accept or both reject, with
// the same message; an accepted value is the same tree with the same value
// types (1, 1u and 1.0 differ, as do 0.0 and -0.0) and dumps to the same text.
//
// The same reader packs inbound Segment events with no tree
// (PackedJson::PackText, engine/src/packed_json.h). Contracts: PackText packs
// exactly the texts IsPlainJsonText accepts, which nlohmann accepts too; the
// packed value unpacks to nlohmann's tree, and with every key already in the
// table its bytes are those PackedJson::Pack writes from that tree.
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "mock_courier/json_parse.h"
#include "packed_json.h"

namespace {

bool Same(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
      if (ia.key() != ib.key() || !Same(ia.value(), ib.value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!Same(a[i], b[i])) return false;
    }
    return true;
  }
  return a.dump() == b.dump();  // Numbers by their text: -0.0 and 0.0 differ.
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = mock_courier::fuzz::AsText(data, size);
  try {
    for (int max_depth : {mock_courier::kMaxJsonDepth, 3}) {
      const auto parsed = mock_courier::ParseJson(text, max_depth);
      const auto expected = mock_courier::ParseJsonWithNlohmann(text, max_depth);
      if (parsed.ok() != expected.ok()) mock_courier::fuzz::Violated("accepted by one parser only");
      if (!parsed.ok() && parsed.status() != expected.status()) {
        mock_courier::fuzz::Violated("different messages");
      }
      if (parsed.ok() && (!Same(*parsed, *expected) || parsed->dump() != expected->dump())) {
        mock_courier::fuzz::Violated("different trees");
      }
    }
    const bool plain = mock_courier::IsPlainJsonText(text);
    const auto expected = mock_courier::ParseJsonWithNlohmann(text);
    if (plain && !expected.ok()) mock_courier::fuzz::Violated("plain text nlohmann rejects");
    mock_courier::JsonKeyTable keys;
    const auto packed = mock_courier::PackedJson::PackText(text, keys);
    if (packed.has_value() != plain) mock_courier::fuzz::Violated("PackText differs from plain");
    if (packed) {
      if (!Same(packed->Unpack(keys), *expected)) mock_courier::fuzz::Violated("packed tree");
      // With every key in the table, both write the same bytes.
      const auto from_tree = mock_courier::PackedJson::Pack(*expected, keys);
      const auto again = mock_courier::PackedJson::PackText(text, keys);
      if (!from_tree || !again || from_tree->bytes() != again->bytes()) {
        mock_courier::fuzz::Violated("packed bytes differ from Pack's");
      }
    }
  } catch (...) {
    mock_courier::fuzz::Violated("an exception escaped ParseJson");
  }
  return 0;
}
