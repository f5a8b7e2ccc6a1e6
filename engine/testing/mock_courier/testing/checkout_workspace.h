// The checkout workspace that the inspection and retention tests share, and
// the two calls they make on it (a Segment track from "ann", a template send
// to her). Needs GoogleTest: a failed call is a test failure, not a throw.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mock_courier/testing/engine_fixture.h"

namespace mock_courier::testing {

// Key "k"; a "reminder" email notification, also mapped from Segment's
// "Order Completed"; ann's profile; the automations "checkout" (2 h delay,
// then the reminder to the event's user) and "instant" (the reminder to ann
// at once).
inline nlohmann::json CheckoutWorkspace() {
  return {{"api_keys", {"k"}},
          {"segment", {{"write_key", "wk"}}},
          {"notifications",
           {{{"id", "reminder"}, {"content", {{"email", {{"subject", "You left something"}}}}}}}},
          {"event_maps", {{"Segment-TrackEvent:Order Completed", "reminder"}}},
          {"profiles", {{"ann", {{"email", "ann@example.com"}}}}},
          {"automations",
           {{{"id", "checkout"},
             {"trigger", "track/Checkout Page Visited"},
             {"steps",
              {{{"action", "delay"}, {"duration", "2 hours"}},
               {{"action", "send"}, {"template", "reminder"}, {"recipient", "refs.data.userId"}}}}},
            {{"id", "instant"},
             {"trigger", "track/Instant"},
             {"steps", {{{"action", "send"}, {"template", "reminder"}, {"recipient", "ann"}}}}}}}};
}

// Segment track `event` from ann; the Courier id it was answered with.
inline std::string TrackFromAnn(TestEngine& t, const std::string& event,
                                const std::string& message_id) {
  auto reply = t.engine.SegmentInbound(t.key, TestEngine::Track(event, "ann", message_id));
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["messageId"].get<std::string>() : "";
}

// POST /send of the reminder to ann; its requestId.
inline std::string SendReminderToAnn(TestEngine& t) {
  auto reply =
      t.engine.Send(t.key, {{"message", {{"to", {{"user_id", "ann"}}}, {"template", "reminder"}}}});
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->body["requestId"].get<std::string>() : "";
}

}  // namespace mock_courier::testing
