// CallText: the JSON text of one Segment call that Courier made (held by the
// outbox and by the fake Segment API), either as text or as the typed record
// it is written from. Internal to the engine.
//
// A message's status change makes a call that mirrors the whole message
// record (outbox.cc); writing that text when the status changed was a third of
// the instructions of a fired automation run, and most calls are never read.
// Such calls keep a typed copy of what they say (a Source) and write the text
// when a view or the delivery worker asks; the fields views filter by are
// answered without writing it. Immutable once made; copies share.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "shared_text.h"

namespace mock_courier {

class CallText {
 public:
  // What a typed call says. Implementations are immutable once shared.
  class Source {
   public:
    virtual ~Source() = default;
    // Appends the call's JSON text to `out`, byte for byte what a text call
    // of the same content holds.
    virtual void Write(std::string& out) const = 0;
    // The call's "messageId", "event", "userId" and "properties.messageId".
    virtual std::string_view CallId() const = 0;
    virtual std::string_view EventName() const = 0;
    virtual std::string_view UserId() const = 0;
    virtual std::string_view MessageId() const = 0;
    // Asks for the rest of this record and the blocks it owns, for dropping
    // it (prefetch.h). Called once its first bytes are cached.
    virtual void PrefetchBlocks() const {}
  };

  CallText() = default;
  explicit CallText(SharedText text) : text_(std::move(text)) {}
  explicit CallText(std::shared_ptr<const Source> source) : source_(std::move(source)) {}

  // The text; a typed call writes it anew on each call.
  SharedText Text() const;
  // The typed record, or nullptr for a call held as text.
  const Source* source() const { return source_.get(); }
  // Asks for the blocks this call holds, for dropping it (prefetch.h).
  void PrefetchBlocks() const {
    text_.PrefetchBlock();
    PrefetchSharedBlock(source_);
  }

 private:
  SharedText text_;
  std::shared_ptr<const Source> source_;
};

}  // namespace mock_courier
