// Automations (https://www.courier.com/docs/platform/automations/steps).
//
// A run executes its steps synchronously, in order, until a delay (the run
// waits on a scheduler timer and continues from the next step when it fires),
// an error, or the end. Canceled runs process no further steps.
//
// Memory: a run keeps its context (null roots left out), its step states
// and, for template runs, no copy of the step definitions (they are read
// from the workspace's template); a waiting delay's expected time is its
// timer's due time. So a million waiting runs stay cheap. Cancelation is by
// RunStore::by_token, never by scanning runs.
#include "automations.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accessors.h"
#include "automation_steps.h"
#include "jobs.h"
#include "messaging.h"
#include "mock_courier/time_format.h"
#include "profiles.h"

namespace mock_courier {
namespace {

// Invoke steps that start runs that invoke further runs: deeper than this is
// treated as a cycle (Courier detects cycles in its designer).
constexpr int kMaxInvokeDepth = 8;

const char* const kStepsRequired =
    "Invalid automation definition. An array of valid steps is required.";
const char* const kNoFetcher =
    "fetch-data: no fetcher configured (mock-courier makes no network calls)";

void Bump(Services& svc) { svc.version.fetch_add(1); }

// Courier's parseJsonObject: a string is parsed as JSON (null when it is not
// JSON); anything else is used as is (https://www.courier.com/docs/reference/automation/invoke).
Json ParseJsonObject(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end()) return nullptr;
  if (it->is_string()) {
    Json parsed = Json::parse(it->get<std::string>(), nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? Json(nullptr) : parsed;
  }
  return *it;
}

Json Field(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? Json(nullptr) : *it;
}

// The context with every root present (null when the run has none).
Json WithAllRoots(const Json& context) {
  Json out = context.is_object() ? context : Json::object();
  for (const char* root : {"brand", "data", "profile", "recipient", "template"}) {
    if (!out.contains(root)) out[root] = nullptr;
  }
  return out;
}

bool IsFinished(RunStatus status) {
  return status == RunStatus::kProcessed || status == RunStatus::kCanceled ||
         status == RunStatus::kError;
}

// ---- Run bookkeeping -------------------------------------------------------

// What a new run is made of.
struct RunSpec {
  std::string source;  // What AutomationRun::Source() will say, unless `trigger`.
  // A run an event started: the trigger that matched (a view of the
  // definition's string) and the inbound event's id; the source is
  // "<trigger>/<inbound_id>".
  std::string_view trigger;
  std::string_view inbound_id;         // A view of the caller's id, which outlives CreateRun.
  std::string_view template_id;        // The definition's automation id; "" for ad hoc runs.
  const Json* ad_hoc_steps = nullptr;  // Copied into the run; null for template runs.
  std::size_t step_count = 0;
  Json token_expression;  // null, a string, or an accessor object.
  // A template run's token expression: the definition's string, not a copy.
  const std::string* template_token = nullptr;
  bool misspelled_token = false;
  RunContext context;
  std::vector<std::string> diagnostics;
  std::string failed_validation;  // Non-empty: the run starts in ERROR (trigger runs).
};

// A run of an automation template (invoked by API, by an invoke step, or
// triggered by an event): steps read from the template, its token expression.
RunSpec TemplateRun(const AutomationDefinition& automation, RunContext context,
                    std::string source) {
  RunSpec spec;
  spec.context = std::move(context);
  spec.source = std::move(source);
  spec.template_id = automation.id;
  spec.step_count = automation.steps.is_array() ? automation.steps.size() : 0;
  if (automation.cancelation_token) spec.template_token = &*automation.cancelation_token;
  spec.misspelled_token = automation.misspelled_token;
  return spec;
}

// The step definition to run: the stored one, or the template's.
// Step `index` of `run` as defined: the definition the run keeps (an ad hoc
// run's), or its template's step with its shortcut.
struct StepSource {
  const Json& raw;
  StepShortcut shortcut = StepShortcut::kNone;  // A template's step only.
};
StepSource SourceStep(const WorkspaceState& ws, const AutomationRun& run, std::size_t index) {
  static const Json kNull;
  const Json& stored = run.steps[index].definition;
  if (!stored.is_null() || run.template_id.empty()) return {stored};
  const AutomationDefinition* automation = ws.def.FindAutomation(run.template_id);
  if (automation == nullptr || index >= automation->shortcuts.size()) return {kNull};
  return {automation->steps[index], automation->shortcuts[index]};
}
const Json& RawStep(const WorkspaceState& ws, const AutomationRun& run, std::size_t index) {
  return SourceStep(ws, run, index).raw;
}

void AddToTokenIndex(WorkspaceState& ws, const std::string& token, RunStore::Seq run) {
  RunSeqs& runs = ws.runs.by_token[token];
  // Amortized compaction: drop finished runs whenever the list doubles.
  if (runs.size() >= 16 && (runs.size() & (runs.size() - 1)) == 0) {
    runs.erase_if([&](RunStore::Seq seq) {
      const AutomationRun* found = ws.runs.FindBySeq(seq);
      return found == nullptr || IsFinished(found->status);
    });
  }
  runs.push_back(run);
}

void RemoveFromTokenIndex(WorkspaceState& ws, const AutomationRun& run) {
  if (run.cancelation_token.empty()) return;
  auto it = ws.runs.by_token.find(run.cancelation_token);
  if (it == ws.runs.by_token.end()) return;
  RunSeqs& runs = it->second;
  if (!runs.empty() && runs.back() == run.seq) {
    runs.pop_back();
  } else if (runs.size() <= 16) {
    runs.erase_if([&](RunStore::Seq seq) { return seq == run.seq; });
  }  // Else left for the next compaction.
  if (runs.empty()) ws.runs.by_token.erase(it);
}

void FinishRun(WorkspaceState& ws, Services& svc, AutomationRun& run, RunStatus status) {
  run.status = status;
  run.context.Compact(ws.run_data_keys);
  ws.runs.MarkFinishedAt(run.seq);
  run.updated_at = svc.clock.Now();
  run.pending_timer = TimerId{};
  RemoveFromTokenIndex(ws, run);
  Bump(svc);
}

// Cancels `run` when it is not finished: no further steps, its pending delay
// is dropped, and `diagnostic` says why. Returns whether it was canceled.
bool CancelActiveRun(WorkspaceState& ws, Services& svc, AutomationRun& run, TimePoint now,
                     std::string diagnostic) {
  // Canceling a finished run does nothing
  // (https://www.courier.com/docs/platform/automations/cancel).
  if (IsFinished(run.status)) return false;
  run.status = RunStatus::kCanceled;
  run.updated_at = now;
  if (run.pending_timer.valid()) svc.scheduler.Cancel(run.pending_timer);
  run.pending_timer = TimerId{};
  run.AddDiagnostic(std::move(diagnostic));
  run.context.Compact(ws.run_data_keys);
  ws.runs.MarkFinishedAt(run.seq);
  return true;
}

}  // namespace

std::vector<std::string> CancelRunsWithToken(WorkspaceState& ws, Services& svc,
                                             const std::string& token, const std::string& by) {
  std::vector<std::string> canceled;
  auto it = ws.runs.by_token.find(token);
  if (it == ws.runs.by_token.end()) return canceled;
  const RunSeqs runs = std::move(it->second);
  ws.runs.by_token.erase(it);
  TimePoint now = svc.clock.Now();
  for (RunStore::Seq seq : runs) {
    AutomationRun* run = ws.runs.FindBySeq(seq);
    if (run != nullptr &&
        CancelActiveRun(ws, svc, *run, now,
                        "canceled by " + by + " (cancelation_token '" + token + "')")) {
      canceled.push_back(run->id.str());
    }
  }
  Bump(svc);
  return canceled;
}

std::optional<RunStatus> CancelRun(WorkspaceState& ws, Services& svc, const std::string& run_id,
                                   const std::string& by) {
  AutomationRun* run = ws.runs.Find(run_id);
  if (run == nullptr) return std::nullopt;
  RemoveFromTokenIndex(ws, *run);
  if (CancelActiveRun(ws, svc, *run, svc.clock.Now(), "canceled by " + by)) Bump(svc);
  return run->status;
}

namespace {

// ---- Step execution --------------------------------------------------------

struct StepOutcome {
  enum Kind { kDone, kWaiting, kError } kind = kDone;
  Json result;
  std::string error;
  StepState::Form form = StepState::Form::kJson;  // Of `result`.
  static StepOutcome Done(Json result = nullptr) { return {kDone, std::move(result), ""}; }
  // A send step that created one message: {"messageId": id}, held typed.
  static StepOutcome Sent(std::string message_id) {
    return {kDone, Json(std::move(message_id)), "", StepState::Form::kMessageId};
  }
  static StepOutcome Error(std::string message) { return {kError, nullptr, std::move(message)}; }
  static StepOutcome Waiting() { return {kWaiting, nullptr, ""}; }
};

// Runs a run's steps from its next one until it waits or ends (null: nothing
// to do).
void ExecuteRun(WorkspaceState& ws, Services& svc, AutomationRun* run, int depth);
IdText CreateRun(WorkspaceState& ws, Services& svc, RunSpec spec, int depth);

// Merges fetched data into `existing` by a merge strategy
// (https://www.courier.com/docs/platform/automations/steps).
Json MergeByStrategy(const Json& existing, const Json& incoming, const std::string& strategy) {
  if (strategy == "replace") return incoming;
  if (strategy == "overwrite") {
    if (!incoming.is_object()) return incoming;
    Json out = existing.is_object() ? existing : Json::object();
    DeepMerge(out, incoming);
    return out;
  }
  if (strategy == "soft-merge") {
    if (!existing.is_object()) return incoming;
    if (!incoming.is_object()) return existing;
    Json out = existing;
    for (auto it = incoming.begin(); it != incoming.end(); ++it) {
      if (!out.contains(it.key())) out[it.key()] = it.value();
    }
    return out;
  }
  // "none": write only when nothing exists yet.
  if (existing.is_null() || (existing.is_object() && existing.empty())) return incoming;
  return existing;
}

void ResolveRecipientLookup(Json& holder, const char* key, AutomationRun& run) {
  if (!holder.is_object()) return;
  auto it = holder.find(key);
  if (it == holder.end() || !it->is_string()) return;
  const std::string text = it->get<std::string>();
  if (text.rfind("refs.", 0) != 0) return;
  std::string note;
  std::optional<Json> value = LookupRefsPath(text, run.context, &note);
  if (!note.empty()) run.AddDiagnostic(std::string(key) + ": " + note);
  if (!value) {
    run.AddDiagnostic(std::string(key) + " '" + text + "' resolved to nothing in the run context");
    *it = nullptr;
    return;
  }
  *it = value->is_string() ? *value : Json(JsString(*value));
}

// Designer lookups ("refs.data.userId") in recipient fields
// (https://www.courier.com/docs/platform/automations/steps,
// https://www.courier.com/docs/external-integrations/cdp/segment/).
void ResolveRecipientLookups(Json& step, AutomationRun& run) {
  ResolveRecipientLookup(step, "recipient", run);
  ResolveRecipientLookup(step, "recipient_id", run);
  if (step.contains("message") && step["message"].is_object()) {
    ResolveRecipientLookup(step["message"], "to", run);
    if (step["message"].contains("to"))
      ResolveRecipientLookup(step["message"]["to"], "user_id", run);
  }
}

std::string StringField(const Json& step, const char* key) {
  auto it = step.find(key);
  return it != step.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A delay's timer fired (with the workspace lock held): the delay step is
// PROCESSED and the run continues from the next step
// (https://www.courier.com/docs/platform/automations/steps). A run that was canceled or reset
// meanwhile is left alone.
void OnDelayDue(WorkspaceState& ws, Services& svc, AutomationRun* run) {
  if (run == nullptr || run->status != RunStatus::kWaiting) return;
  // Its token's entry was asked for with the last timer (PrefetchUpcoming):
  // the pair it names loads while the run sends, before it finishes.
  if (!run->cancelation_token.empty()) ws.runs.by_token.PrefetchPair(run->cancelation_token);
  TimePoint now = svc.clock.Now();
  StepState& delay = run->steps[run->next_step];
  // Courier records both values on the step (triggers/sqs/step/delay.ts).
  delay.FinishDelay(run->pending_timer.due, now);
  const Json& definition = RawStep(ws, *run, run->next_step);
  auto ref = definition.find("ref");
  if (ref != definition.end() && ref->is_string()) {
    run->mutable_refs()[ref->get<std::string>()] = delay.result();
  }
  run->pending_timer = TimerId{};
  run->status = RunStatus::kProcessing;
  run->updated_at = now;
  ++run->next_step;
  Bump(svc);
  ExecuteRun(ws, svc, run, 0);
}

// The docs' own `until` example is basic ISO 8601, while a JSON-schema
// "date-time" check would want the extended form: which one Courier takes is
// not public, so the mock accepts and says so (docs/fidelity.md D10).
std::string BasicUntilDiagnostic(const std::string& until) {
  return "delay until '" + until +
         "': accepted here; Courier may reject: it is not an extended ISO 8601 date-time "
         "such as 2024-04-08T08:09:10.123Z, the JSON-schema date-time form "
         "(https://www.courier.com/docs/platform/automations/steps)";
}

// ISO 8601 durations appear in older SDK types only; the steps docs show the
// "<n> <unit>" form, so the mock accepts and says so (docs/fidelity.md D10).
std::string IsoDurationDiagnostic(const std::string& duration) {
  return "delay duration '" + duration +
         "': accepted here; Courier may reject: its docs show only the \"<n> <unit>\" form "
         "such as \"2 hours\" (https://www.courier.com/docs/platform/automations/steps)";
}

StepOutcome RunDelay(WorkspaceState& ws, Services& svc, AutomationRun& run, std::size_t step_index,
                     const Json& step) {
  TimePoint now = svc.clock.Now();
  std::optional<TimePoint> due;
  std::string duration = StringField(step, "duration");
  if (duration.empty()) duration = StringField(step, "delayFor");
  std::string until = StringField(step, "until");
  if (until.empty()) until = StringField(step, "delayUntil");
  if (step.contains("duration") || step.contains("delayFor")) {
    std::optional<Duration> length = ParseDelayDuration(duration);
    // Courier's step errors (https://www.courier.com/docs/platform/automations/steps).
    if (!length) return StepOutcome::Error("Invalid delay duration definition.");
    // ParseDelayDuration succeeded, so a leading P means an ISO 8601 duration.
    if (duration[0] == 'P' || duration[0] == 'p') {
      run.AddDiagnostic(IsoDurationDiagnostic(duration));
    }
    due = now + *length;
  } else if (step.contains("until") || step.contains("delayUntil")) {
    due = ParseIso8601(until);
    if (!due) return StepOutcome::Error("Invalid delay interval defined.");
    if (!IsExtendedIsoDateTime(until)) run.AddDiagnostic(BasicUntilDiagnostic(until));
  } else {
    return StepOutcome::Error("Invalid automation delay step definition.");
  }
  if (*due <= now) return StepOutcome::Done(OneKey("actualDelayValue", FormatIso8601(now)));

  StepState& state = run.steps[step_index];
  state.status = StepStatus::kWaiting;
  run.status = RunStatus::kWaiting;
  run.updated_at = now;
  // A waiting run keeps its data as text until the delay fires (memory).
  run.context.Compact(ws.run_data_keys);
  Scheduler::Timer timer;
  timer.workspace = ws.serial;
  timer.kind = TimerKind::kRunDelay;
  timer.target = run.seq;
  run.pending_timer = svc.scheduler.Schedule(*due, std::move(timer));
  Bump(svc);
  return StepOutcome::Waiting();
}

// A string profile on a send step (the Segment tutorial's {"$ref":"data.email"}):
// an email becomes {"email": ...}; anything else is dropped
// (https://www.courier.com/docs/platform/automations/steps).
void NormalizeSendProfile(Json& step, AutomationRun& run) {
  auto it = step.find("profile");
  if (it == step.end() || it->is_object()) return;
  if (it->is_string()) {
    std::string text = it->get<std::string>();
    bool looks_like_email = text.find('@') != std::string::npos &&
                            text.find(' ') == std::string::npos && text.front() != '@' &&
                            text.back() != '@';
    if (looks_like_email) {
      run.AddDiagnostic("send: profile resolved to the string '" + text +
                        "'; used as {\"email\": \"" + text +
                        "\"} (write {\"email\": {\"$ref\": ...}} for a correct profile)");
      *it = Json{{"email", text}};
      return;
    }
    run.AddDiagnostic("send: profile resolved to the string '" + text +
                      "', which is not an email; ignored");
  }
  *it = Json::object();
}

Result<Json> Fetch(Services& svc, const Json& webhook, AutomationRun& run) {
  if (svc.options.fetcher == nullptr) return Status::BadRequest(kNoFetcher);
  Result<Json> fetched = svc.options.fetcher->Fetch(webhook);
  if (!fetched.ok()) {
    // Courier logs a failed request and continues with empty data
    // (automations/triggers/sqs/step/fetch-data.ts).
    run.AddDiagnostic("fetch-data: " + StringField(webhook, "url") +
                      " failed: " + fetched.status().message() + "; continued with {}");
    return Json::object();
  }
  return fetched;
}

// ---- One function per step kind (RunStep dispatches) ----

// `shared_data`: a legacy send step's data when ExtendStep shared it.
StepOutcome RunSendStep(WorkspaceState& ws, Services& svc, AutomationRun& run, StepKind kind,
                        Json& step, std::optional<Payload>& shared_data) {
  const bool list = kind == StepKind::kSendList;
  SendOrigin origin{"automation", run.id.str(), ""};
  if (!list && !step.contains("message")) {
    NormalizeSendProfile(step, run);
    if (!step.contains("recipient") || !Truthy(step["recipient"])) {
      return StepOutcome::Error("Invalid step definition: the send step has no recipient");
    }
  }
  if (list && step.contains("data_source") && step["data_source"].is_object()) {
    const Json& source = step["data_source"];
    Result<Json> fetched = Fetch(svc, Field(source, "webhook"), run);
    if (!fetched.ok()) return StepOutcome::Error(fetched.status().message());
    step["data"] =
        MergeByStrategy(Field(step, "data"), *fetched, StringField(source, "merge_strategy"));
  }
  Result<std::vector<std::string>> sent =
      list ? SendListFromAutomation(ws, svc, step, origin)
           : SendFromAutomation(ws, svc, step, origin, std::move(shared_data));
  if (!sent.ok()) return StepOutcome::Error(sent.status().message());
  if (!list && sent->size() == 1) return StepOutcome::Sent(std::move(sent->front()));
  Json result = Json::object();
  if (!sent->empty()) result["messageId"] = sent->front();
  if (list || sent->size() > 1) result["messageIds"] = *sent;
  return StepOutcome::Done(std::move(result));
}

StepOutcome RunCancelStep(WorkspaceState& ws, Services& svc, AutomationRun& run, const Json& step) {
  Json raw = Field(step, "cancelation_token");
  if (raw.is_null()) raw = Field(step, "cancelationToken");
  if (!raw.is_string()) return StepOutcome::Error("cancel: cancelation_token resolved to nothing");
  ResolvedToken token = ResolveCancelationToken(raw.get<std::string>(), run.context);
  for (std::string& d : token.diagnostics) run.AddDiagnostic("cancel step: " + d);
  if (token.token.empty()) {
    return StepOutcome::Error("cancel: cancelation_token resolved to nothing");
  }
  std::vector<std::string> canceled =
      CancelRunsWithToken(ws, svc, token.token, "a cancel step of run " + run.id);
  return StepOutcome::Done({{"cancelation_token", token.token}, {"canceled", canceled}});
}

StepOutcome RunInvokeStep(WorkspaceState& ws, Services& svc, AutomationRun& run, const Json& step,
                          int depth) {
  std::string template_id = StringField(step, "template");
  const AutomationDefinition* automation = ws.def.FindAutomation(template_id);
  if (automation == nullptr) {
    return StepOutcome::Error("Invalid Step Definition: Template " + template_id + " not found");
  }
  if (depth >= kMaxInvokeDepth) {
    return StepOutcome::Error("invoke: automations invoke each other more than " +
                              std::to_string(kMaxInvokeDepth) + " levels deep (a cycle?)");
  }
  const Json child = Field(step, "context");
  RunSpec spec = TemplateRun(
      *automation,
      NormalizeContext(Field(child, "brand"), Field(child, "data"), Field(child, "profile"),
                       Field(child, "recipient"), Field(child, "template")),
      "invoke/" + template_id);
  if (!ValidateSteps(automation->steps, spec.context).ok()) {
    return StepOutcome::Error("Automation being invoked has invalid steps");
  }
  spec.diagnostics.push_back("invoked by run " + run.id);
  const IdText child_id = CreateRun(ws, svc, std::move(spec), depth + 1);
  return StepOutcome::Done({{"runId", child_id.str()}});
}

StepOutcome RunFetchDataStep(Services& svc, AutomationRun& run, const Json& step) {
  Result<Json> fetched = Fetch(svc, Field(step, "webhook"), run);
  if (!fetched.ok()) return StepOutcome::Error(fetched.status().message());
  run.context.set_data(Share(
      MergeByStrategy(run.context.Get("data"), *fetched, StringField(step, "merge_strategy"))));
  return StepOutcome::Done({{"data", *fetched}});
}

StepOutcome RunUpdateProfileStep(WorkspaceState& ws, Services& svc, const Json& step) {
  std::string user = StringField(step, "recipient_id");
  std::string merge = StringField(step, "merge");
  if (user.empty()) return StepOutcome::Error("update-profile: recipient_id resolved to nothing");
  if (merge != "replace" && merge != "overwrite" && merge != "soft-merge" && merge != "none") {
    return StepOutcome::Error("update-profile: invalid merge strategy '" + merge + "'");
  }
  Json profile = Field(step, "profile");
  if (!profile.is_object()) return StepOutcome::Error("update-profile: profile is not an object");
  WriteProfileWithStrategy(ws, svc, user, profile, merge);
  return StepOutcome::Done({{"recipient_id", user}, {"merge", merge}});
}

StepOutcome RunSubscribeStep(WorkspaceState& ws, Services& svc, const Json& step) {
  std::string list = StringField(step, "list_id");
  std::string user = StringField(step, "recipient_id");
  if (list.empty() || user.empty()) {
    return StepOutcome::Error("subscribe: list_id and recipient_id must resolve to strings");
  }
  Json preferences = Field(Field(step, "subscription"), "preferences");
  Status status = SubscribeUser(ws, svc, list, user, preferences);
  if (!status.ok()) return StepOutcome::Error(status.message());
  return StepOutcome::Done({{"list_id", list}, {"recipient_id", user}});
}

// Runs step `step_index` of `run`, as extended into `step`, by its kind.
StepOutcome RunStep(WorkspaceState& ws, Services& svc, AutomationRun& run, std::size_t step_index,
                    Json& step, int depth, std::optional<Payload>& shared_data) {
  const std::string action = StringField(step, "action");
  const std::optional<StepKind> kind = ParseStepKind(action);
  // Courier's worker: an unknown action fails the step.
  if (!kind) return StepOutcome::Error(action + " is not a valid step action");
  switch (*kind) {
    case StepKind::kDelay:
      return RunDelay(ws, svc, run, step_index, step);
    case StepKind::kSend:
    case StepKind::kSendList:
      return RunSendStep(ws, svc, run, *kind, step, shared_data);
    case StepKind::kCancel:
      return RunCancelStep(ws, svc, run, step);
    case StepKind::kInvoke:
      return RunInvokeStep(ws, svc, run, step, depth);
    case StepKind::kFetchData:
      return RunFetchDataStep(svc, run, step);
    case StepKind::kUpdateProfile:
      return RunUpdateProfileStep(ws, svc, step);
    case StepKind::kSubscribe:
      return RunSubscribeStep(ws, svc, step);
  }
  return StepOutcome::Error(action + " is not a valid step action");
}

// The scope `if` expressions see: the run context roots, the step's own
// fields (Courier evaluates the condition with the step as its sandbox), step
// outputs under `refs`, and Courier's MessageStatus constants.
Json ConditionScope(const AutomationRun& run, const Json& step) {
  Json scope = WithAllRoots(run.context.ToJson());
  for (auto it = step.begin(); it != step.end(); ++it) {
    if (it.key() != "if") scope[it.key()] = it.value();
  }
  scope["refs"] = run.refs();
  scope["MessageStatus"] = {{"Skipped", 0}, {"Queued", 1},  {"Sent", 2},          {"Delivered", 3},
                            {"Opened", 4},  {"Clicked", 5}, {"Undeliverable", 6}, {"Unmapped", 6}};
  return scope;
}

// Records the outcome (done or error) of step `si`, as run from `step`:
// its state, its `ref` output, and the run's end on an error. Returns whether
// the run goes on with the next step.
bool FinishStep(WorkspaceState& ws, Services& svc, AutomationRun& run, std::size_t si,
                const Json& step, StepOutcome outcome) {
  StepState& state = run.steps[si];
  const TimePoint now = svc.clock.Now();
  if (outcome.kind == StepOutcome::kError) {
    state.Fail(std::move(outcome.error), now);
    if (run.status == RunStatus::kProcessing) {
      FinishRun(ws, svc, run, RunStatus::kError);
    } else {
      Bump(svc);
    }
    return false;
  }
  state.set_processed_at(now);
  state.status = StepStatus::kProcessed;
  state.set_outcome(std::move(outcome.result), outcome.form);
  auto ref = step.find("ref");
  if (ref != step.end() && ref->is_string()) {
    Json output = step;
    if (Json result = state.result(); result.is_object()) DeepMerge(output, result);
    run.mutable_refs()[ref->get<std::string>()] = std::move(output);
  }
  run.updated_at = now;
  ++run.next_step;
  Bump(svc);
  return true;
}

// A template's send step whose shortcut is kPlainSend ({"action": "send",
// "template", "recipient"}: the Segment guide's and the designer's shape), in
// a run with no brand or profile: done as ExtendStep, ResolveRecipientLookups,
// RunStep and SendFromAutomation would do it, without building the extended
// step (a fired run's most common step). nullopt, with nothing changed, in
// any other run, and for a recipient lookup that needs a diagnostic: the
// general path runs those.
std::optional<StepOutcome> RunPlainSend(WorkspaceState& ws, Services& svc, AutomationRun& run,
                                        const Json& raw) {
  const std::string& template_id = raw["template"].get_ref<const std::string&>();
  const std::string& text = raw["recipient"].get_ref<const std::string&>();
  if (run.context.Find("brand") != nullptr || run.context.Find("profile") != nullptr) {
    return std::nullopt;
  }
  std::string recipient;
  if (!text.starts_with("refs.")) {
    recipient = text;
  } else if (std::optional<std::string> found = run.context.PathString(text.substr(5));
             found && !found->empty()) {
    // A string at the exact path is what LookupRefsPath gives, read in place.
    recipient = std::move(*found);
  } else {
    std::string note;
    std::optional<Json> value = LookupRefsPath(text, run.context, &note);
    if (!value || !note.empty()) return std::nullopt;
    recipient = value->is_string() ? std::move(value->get_ref<std::string&>()) : JsString(*value);
    if (recipient.empty()) return std::nullopt;
  }
  std::optional<Payload> data = run.context.ObjectDataPayload();
  Result<std::string> sent = SendTemplateFromAutomation(ws, svc, template_id, recipient,
                                                        data ? std::move(*data) : Payload(),
                                                        SendOrigin{"automation", run.id.str(), ""});
  if (!sent.ok()) return StepOutcome::Error(sent.status().message());
  return StepOutcome::Sent(std::move(*sent));
}

void ExecuteRun(WorkspaceState& ws, Services& svc, AutomationRun* found, int depth) {
  // Runs are stored in nodes: `run` stays valid while steps add runs.
  if (found == nullptr) return;
  AutomationRun& run = *found;
  while (true) {
    // Courier's step worker stops at a canceled run
    // (https://www.courier.com/docs/platform/automations/cancel).
    if (run.status != RunStatus::kProcessing) return;
    if (run.next_step >= run.steps.size()) {
      FinishRun(ws, svc, run, RunStatus::kProcessed);
      return;
    }
    const std::size_t si = run.next_step;
    // An ad hoc run's stored definition is overwritten below, so it is
    // copied; a template's step is read in place (it never changes).
    Json raw_copy;
    const StepSource source = SourceStep(ws, run, si);
    const Json* raw_ptr = &source.raw;
    if (run.template_id.empty()) {
      raw_copy = *raw_ptr;
      raw_ptr = &raw_copy;
    }
    const Json& raw = *raw_ptr;
    TimePoint now = svc.clock.Now();
    if (!raw.is_object()) {
      run.steps[si].Fail("Invalid step definition", now);
      FinishRun(ws, svc, run, RunStatus::kError);
      return;
    }
    // Template runs read their definitions from the template (memory).
    const bool keep_definition = run.template_id.empty();
    // A template step's shortcut. A plain delay is run as written: extending
    // it would only copy it (ExtendStep leaves delays be).
    if (source.shortcut == StepShortcut::kPlainDelay) {
      StepOutcome outcome = RunDelay(ws, svc, run, si, raw);
      if (outcome.kind == StepOutcome::kWaiting) return;
      if (!FinishStep(ws, svc, run, si, raw, std::move(outcome))) return;
      continue;
    }
    if (source.shortcut == StepShortcut::kPlainSend) {
      if (std::optional<StepOutcome> sent = RunPlainSend(ws, svc, run, raw)) {
        if (!FinishStep(ws, svc, run, si, raw, std::move(*sent))) return;
        continue;
      }
    }
    // A send step that keeps nothing of its extended form (no stored
    // definition, no `ref` output) shares the run's data instead of copying it.
    std::optional<Payload> shared_data;
    const bool may_share = !keep_definition && !raw.contains("ref");
    // Accessors first, then the context defaults (Courier's steps.get).
    Json step = ExtendStep(ApplyAccessors(raw, run.context, run.refs()), run.context,
                           may_share ? &shared_data : nullptr);
    ResolveRecipientLookups(step, run);
    if (keep_definition) run.steps[si].definition = step;

    if (step.contains("if")) {
      const Json& condition = step["if"];
      bool pass = true;
      if (condition.is_string()) {
        Result<Json> value =
            EvaluateExpression(condition.get<std::string>(), ConditionScope(run, step));
        if (!value.ok()) {
          // Courier's worker message for a failing condition.
          run.steps[si].Fail("Invalid step conditional", now);
          run.AddDiagnostic("step " + std::to_string(si) + " if: " + value.status().message());
          FinishRun(ws, svc, run, RunStatus::kError);
          return;
        }
        if (!value->is_boolean()) {
          run.AddDiagnostic(
              "step " + std::to_string(si) + " if '" + condition.get<std::string>() +
              "' evaluated to " + JsString(*value) +
              ", not a boolean: Courier requires a boolean; mock-courier used its truthiness");
        }
        pass = Truthy(*value);
      } else {
        pass = Truthy(condition);
      }
      if (!pass) {
        run.steps[si].status = StepStatus::kSkipped;
        run.steps[si].set_processed_at(now);
        run.updated_at = now;
        ++run.next_step;
        Bump(svc);
        continue;
      }
    }

    StepOutcome outcome = RunStep(ws, svc, run, si, step, depth, shared_data);
    if (outcome.kind == StepOutcome::kWaiting) return;
    if (keep_definition) run.steps[si].definition = step;
    if (!FinishStep(ws, svc, run, si, step, std::move(outcome))) return;
  }
}

// Whether `source` is what an invoked run of `template_id` derives
// ("invoke", "invoke/<template_id>").
bool IsDerivedSource(std::string_view source, std::string_view template_id) {
  if (template_id.empty()) return source == "invoke";
  return source.size() == 7 + template_id.size() && source.starts_with("invoke/") &&
         source.ends_with(template_id);
}

IdText CreateRun(WorkspaceState& ws, Services& svc, RunSpec spec, int depth) {
  TimePoint now = svc.clock.Now();
  AutomationRun run;
  run.id = NextIdText(ws.ids, now);
  // The run's index entry, a miss in a table of a million waiting runs,
  // loads while the token resolves (prefetch.h).
  ws.runs.PrefetchId(run.id.view());
  run.template_id = spec.template_id;
  // A triggered run keeps its trigger and inbound id packed; invoked runs
  // derive their source from the template (no string kept).
  if (!spec.trigger.empty()) {
    if (std::optional<PackedReplyId> inbound = PackedReplyId::Of(spec.inbound_id)) {
      run.trigger = spec.trigger;
      run.inbound = *inbound;
    } else {
      run.set_other_source(std::string(spec.trigger) + "/" + std::string(spec.inbound_id));
    }
  } else if (!IsDerivedSource(spec.source, run.template_id)) {
    run.set_other_source(std::move(spec.source));
  }
  run.context = std::move(spec.context);
  run.created_at = now;
  run.updated_at = now;
  for (std::string& d : spec.diagnostics) run.AddDiagnostic(std::move(d));
  run.steps.resize(spec.step_count);
  if (spec.ad_hoc_steps != nullptr) {
    for (std::size_t i = 0; i < spec.step_count; ++i) {
      run.steps[i].definition = (*spec.ad_hoc_steps)[i];
    }
  }
  if (spec.misspelled_token) {
    run.AddDiagnostic(
        "'cancellation_token' (two Ls) is not a Courier key and was ignored: this run has no "
        "cancelation token and cannot be canceled; spell it 'cancelation_token' "
        "(https://www.courier.com/docs/platform/automations/steps)");
  }
  // The token is resolved once, at run creation
  // (https://www.courier.com/docs/platform/automations/steps).
  const auto resolve = [&run](const std::string& expression) {
    ResolvedToken token = ResolveCancelationToken(expression, run.context);
    run.cancelation_token = std::move(token.token);
    for (std::string& d : token.diagnostics) run.AddDiagnostic(std::move(d));
  };
  if (spec.template_token != nullptr) {
    resolve(*spec.template_token);
  } else {
    const Json* token_expression = &spec.token_expression;
    Json resolved;
    if (IsAccessor(*token_expression)) {
      resolved =
          AccessorValue(token_expression->at("$ref").get<std::string>(), run.context, run.refs());
      token_expression = &resolved;
      if (resolved.is_null()) {
        run.AddDiagnostic(
            "cancelation_token accessor resolved to nothing: the run has "
            "no cancelation token");
      }
    }
    if (token_expression->is_string()) {
      resolve(token_expression->get_ref<const std::string&>());
    } else if (!token_expression->is_null()) {
      run.cancelation_token = JsString(*token_expression);
    }
  }
  if (!run.cancelation_token.empty()) ws.runs.by_token.PrefetchKey(run.cancelation_token);
  if (!spec.failed_validation.empty()) {
    run.status = RunStatus::kError;
    run.AddDiagnostic(spec.failed_validation);
  }
  IdText id = run.id;  // Inline: no allocation.
  const bool start = run.status == RunStatus::kProcessing;
  const RunStore::Seq seq = ws.runs.end_seq();
  run.seq = seq;
  const AutomationRun& added = ws.runs.Add(std::move(run));
  if (!start) ws.runs.MarkFinishedAt(seq);  // Failed validation: it ends in ERROR.
  if (!added.cancelation_token.empty() && start) AddToTokenIndex(ws, added.cancelation_token, seq);
  Bump(svc);
  // An invoked run exists (PROCESSING, no step processed) from its answer; its
  // steps run in its processing job (jobs.h). Runs started by an event or a
  // step are already inside accepted work: they run at once.
  if (start) {
    // By sequence number: 16 bytes of capture, no copy of the id.
    ProcessAccepted(ws, svc, [seq, depth](WorkspaceState& w, Services& s) {
      ExecuteRun(w, s, w.runs.FindBySeq(seq), depth);
    });
  }
  return id;
}

// The cancelation token keys of an `automation` object, and whether it only
// has the misspelled one (https://www.courier.com/docs/reference/automation/invoke).
void ReadAutomationToken(const Json& automation, RunSpec& spec) {
  Json token = Field(automation, "cancelation_token");
  if (token.is_null()) token = Field(automation, "cancelationToken");
  spec.token_expression = token;
  spec.misspelled_token =
      token.is_null() && automation.is_object() && automation.contains("cancellation_token");
}

std::string Iso(TimePoint t) { return FormatIso8601(t); }

Json StepForAdmin(const WorkspaceState& ws, const AutomationRun& run, std::size_t index) {
  const StepState& state = run.steps[index];
  const Json& definition = RawStep(ws, run, index);
  Json result = state.result();
  if (state.status == StepStatus::kWaiting && index == run.next_step && run.pending_timer.valid()) {
    result = {{"expectedDelayValue", Iso(run.pending_timer.due)}};  // Not stored (memory).
  }
  Json out = {{"action", Field(definition, "action")},
              {"status", StepStatusName(state.status)},
              {"processed_at", state.processed ? Json(Iso(state.processed_at_ms)) : Json()},
              {"result", std::move(result)},
              {"error", state.error()}};
  return out;
}

Json RunForApi(const WorkspaceState& ws, const AutomationRun& run) {
  Json steps = Json::array();
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    Json step = StepForAdmin(ws, run, i);
    Json api = {{"action", step["action"]}, {"status", step["status"]}};
    if (run.steps[i].processed) api["updated_at"] = step["processed_at"];
    if (const Json& result = run.steps[i].result();
        result.is_object() && result.contains("messageId")) {
      api["message_id"] = result["messageId"];
    }
    if (!run.steps[i].error().is_null()) api["error"] = run.steps[i].error();
    steps.push_back(std::move(api));
  }
  Json out = {{"runId", run.id},
              {"run_id", run.id},
              {"status", RunStatusName(run.status)},
              {"source", Json::array({run.Source()})},
              {"created_at", Iso(run.created_at)},
              {"updated_at", Iso(run.updated_at)},
              {"steps", std::move(steps)}};
  if (!run.template_id.empty()) out["template_id"] = std::string(run.template_id);
  if (!run.cancelation_token.empty()) out["cancelation_token"] = run.cancelation_token;
  return out;
}

// A query parameter as one string (the first value of a repeated one).
std::string QueryString(const Json& query, const char* key) {
  Json value = Field(query, key);
  if (value.is_array()) value = value.empty() ? Json() : value.front();
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return value.dump();
  return "";
}

// The non-empty items of a comma list ("a,,b" is {"a", "b"}).
std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  for (std::string_view part : SplitOn(text, ',')) {
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

}  // namespace

namespace {

// Courier's first check on both invoke forms (automations/api/invoke.ts).
Status CheckNoOverride(const Json& body) {
  if (Truthy(ParseJsonObject(body, "override"))) {
    return Status::BadRequest(
        "Invalid request property. 'override' is only applicable to send and send-list steps.");
  }
  return Status::Ok();
}

// The run context both invoke forms build from the request body.
Json InvokeContext(const Json& body) {
  return NormalizeContext(Field(body, "brand"), ParseJsonObject(body, "data"),
                          ParseJsonObject(body, "profile"), Field(body, "recipient"),
                          Field(body, "template"));
}

}  // namespace

void ResumeRunAfterDelay(WorkspaceState& ws, Services& svc, std::uint64_t run_seq) {
  OnDelayDue(ws, svc, ws.runs.FindBySeq(run_seq));
}

Result<Reply> HandleInvokeAdHoc(WorkspaceState& ws, Services& svc, const Json& body_in) {
  const Json body = body_in.is_object() ? body_in : Json::object();
  Json automation = ParseJsonObject(body, "automation");
  // The order of Courier's checks (automations/api/invoke.ts).
  MC_RETURN_IF_ERROR(CheckNoOverride(body));
  if (!Truthy(automation)) {
    return Status::BadRequest("Either an ad hoc automation or valid templateId is required.");
  }
  const Json steps = Field(automation, "steps");
  if (!steps.is_array() || steps.empty()) return Status::BadRequest(kStepsRequired);
  RunSpec spec;
  spec.context = InvokeContext(body);
  MC_RETURN_IF_ERROR(ValidateSteps(steps, spec.context));
  spec.source = "invoke";
  spec.ad_hoc_steps = &steps;
  spec.step_count = steps.size();
  ReadAutomationToken(automation, spec);
  const IdText id = CreateRun(ws, svc, std::move(spec), 0);
  return Reply{200, {{"runId", id.str()}}};
}

Result<Reply> HandleInvokeTemplate(WorkspaceState& ws, Services& svc,
                                   const std::string& template_id, const Json& body_in) {
  const Json body = body_in.is_object() ? body_in : Json::object();
  MC_RETURN_IF_ERROR(CheckNoOverride(body));
  const AutomationDefinition* automation = ws.def.FindAutomation(template_id);
  if (automation == nullptr) return Status::BadRequest("Invalid TemplateId.");
  RunSpec spec = TemplateRun(*automation, InvokeContext(body), "invoke/" + template_id);
  MC_RETURN_IF_ERROR(ValidateSteps(automation->steps, spec.context));
  const IdText id = CreateRun(ws, svc, std::move(spec), 0);
  return Reply{200, {{"runId", id.str()}}};
}

namespace {

// ValidateSteps for a triggered run, cached by the context's ValidationKey:
// every event of a trigger has the same shape, so it validates the same.
Status ValidateTriggerSteps(WorkspaceState& ws, const AutomationDefinition& automation,
                            const RunContext& context) {
  constexpr std::size_t kMaxCached = 1024;
  // Built in a buffer reused across calls: no allocation when cached.
  thread_local std::string key;
  key.assign(automation.id);
  key += '\n';
  AppendValidationKey(context, key);
  auto cached = ws.trigger_validation.find(std::string_view(key));
  if (cached != ws.trigger_validation.end()) return cached->second;
  Status valid = ValidateSteps(automation.steps, context);
  if (ws.trigger_validation.size() >= kMaxCached) ws.trigger_validation.clear();
  ws.trigger_validation.emplace(key, valid);
  return valid;
}

}  // namespace

std::vector<IdText> TriggerAutomations(WorkspaceState& ws, Services& svc, std::string_view trigger,
                                       const Payload& event, const std::string& recipient,
                                       const std::string& template_name,
                                       std::string_view inbound_id) {
  std::vector<IdText> started;  // No allocation for an event that starts none.
  // Starts a run of `automation`, `matched` being its trigger that matched,
  // as a view of the definition's string equal to `trigger` (what the run
  // keeps instead of a copy). Runs never change the definition, so this
  // runs inside the loop over it.
  const auto start = [&](const AutomationDefinition& automation, std::string_view matched) {
    // Built root by root: no context object to split.
    RunContext context;
    if (!recipient.empty()) context.set_recipient(recipient);
    RunSpec spec = TemplateRun(automation, std::move(context), "");
    spec.trigger = matched;
    spec.inbound_id = inbound_id;
    // Every run of this event shares one template root (the event's name).
    if (!template_name.empty()) spec.context.set_template(ws.SharedName(template_name));
    // The event is the run's data: a tree shared rather than copied; a
    // packed event as a waiting run keeps it.
    if (event.packed()) {
      spec.context.set_packed_data(event.packed(), event.keys());
    } else if (const SharedJson& tree = event.shared_tree()) {
      if (!tree->is_null()) spec.context.set_data(tree);
    } else {
      spec.context.set_data(Share(event.ToJson()));
    }
    Status valid = ValidateTriggerSteps(ws, automation, spec.context);
    if (!valid.ok()) {
      spec.failed_validation =
          "the automation's steps are invalid for this event: " + valid.message() +
          " (the run did not start)";
    }
    started.push_back(CreateRun(ws, svc, std::move(spec), 0));
  };
  constexpr std::string_view kSegmentPrefix = "segment/";
  for (const AutomationDefinition& automation : ws.def.automations) {
    for (const std::string& t : automation.triggers) {
      // Courier matches `<type>/<event>` and `segment/<type>/<event>`
      // (https://www.courier.com/docs/external-integrations/cdp/segment/).
      if (t == trigger) {
        start(automation, t);
        break;
      }
      if (t.size() == kSegmentPrefix.size() + trigger.size() && t.starts_with(kSegmentPrefix) &&
          t.ends_with(trigger)) {
        start(automation, std::string_view(t).substr(kSegmentPrefix.size()));
        break;
      }
    }
  }
  return started;
}

Result<Reply> GetRunReply(WorkspaceState& ws, const std::string& run_id) {
  const AutomationRun* run = ws.runs.Find(run_id);
  if (run == nullptr) return Status::NotFound("Run not found");
  return Reply{200, {{"run", RunForApi(ws, *run)}}};
}

Result<Reply> GetRunStepsReply(WorkspaceState& ws, const std::string& run_id) {
  const AutomationRun* run = ws.runs.Find(run_id);
  if (run == nullptr) return Status::NotFound("Run not found");
  Json api = RunForApi(ws, *run);
  return Reply{200, {{"steps", std::move(api["steps"])}}};
}

Result<Reply> ListRunsReply(WorkspaceState& ws, const Json& query) {
  // Paging and filters as the 2026 SDK documents them (NODE9 automations/runs.ts):
  // newest first, limit 1..50 (default 20, clamped), status and template_id
  // comma lists, start_date/end_date inclusive bounds, an opaque cursor.
  std::size_t limit = 20;
  std::string limit_text = QueryString(query, "limit");
  if (!limit_text.empty()) {
    char* end = nullptr;
    long value = std::strtol(limit_text.c_str(), &end, 10);
    if (end != limit_text.c_str()) limit = static_cast<std::size_t>(std::clamp(value, 1L, 50L));
  }
  std::vector<std::string> statuses = SplitCommas(QueryString(query, "status"));
  std::vector<std::string> templates = SplitCommas(QueryString(query, "template_id"));
  std::optional<TimePoint> start;
  std::optional<TimePoint> end;
  if (std::string text = QueryString(query, "start_date"); !text.empty()) {
    start = ParseIso8601(text);
    if (!start) return Status::BadRequest("Invalid start_date: expected an ISO 8601 date");
  }
  if (std::string text = QueryString(query, "end_date"); !text.empty()) {
    end = ParseIso8601(text);
    if (!end) return Status::BadRequest("Invalid end_date: expected an ISO 8601 date");
  }
  // The cursor is the position (from the newest run) to continue from.
  std::size_t skip = 0;
  if (std::string cursor = QueryString(query, "cursor"); !cursor.empty()) {
    char* stop = nullptr;
    unsigned long value = std::strtoul(cursor.c_str(), &stop, 10);
    if (*stop != '\0') return Status::BadRequest("Invalid cursor");
    skip = value;
  }
  Json items = Json::array();
  std::size_t position = 0;  // Runs looked at, newest first.
  bool more = false;
  ws.runs.ForEachNewestFirst([&](std::uint64_t, const AutomationRun& run) {
    if (position < skip) {
      ++position;
      return true;
    }
    if (!statuses.empty() &&
        std::find(statuses.begin(), statuses.end(), RunStatusName(run.status)) == statuses.end()) {
      ++position;
      return true;
    }
    if (!templates.empty() &&
        std::find(templates.begin(), templates.end(), run.template_id) == templates.end()) {
      ++position;
      return true;
    }
    if ((start && run.created_at < *start) || (end && run.created_at > *end)) {
      ++position;
      return true;
    }
    if (items.size() == limit) {
      more = true;
      return false;
    }
    Json item = {{"run_id", run.id},
                 {"source", Json::array({run.Source()})},
                 {"created_at", Iso(run.created_at)},
                 {"status", RunStatusName(run.status)}};
    if (!run.template_id.empty()) item["template_id"] = std::string(run.template_id);
    items.push_back(std::move(item));
    ++position;
    return true;
  });
  Json body = {
      {"runs", items},
      {"results", items},
      {"paging", {{"cursor", more ? Json(std::to_string(position)) : Json()}, {"more", more}}}};
  if (more) body["next_cursor"] = std::to_string(position);
  return Reply{200, std::move(body)};
}

Json RunForAdmin(const WorkspaceState& ws, const AutomationRun& run) {
  Json steps = Json::array();
  for (std::size_t i = 0; i < run.steps.size(); ++i) steps.push_back(StepForAdmin(ws, run, i));
  return {
      {"id", run.id},
      {"source", run.Source()},
      {"template", run.template_id.empty() ? Json() : Json(std::string(run.template_id))},
      {"status", RunStatusName(run.status)},
      {"cancelation_token", run.cancelation_token.empty() ? Json() : Json(run.cancelation_token)},
      {"context", WithAllRoots(run.context.ToJson())},
      {"steps", std::move(steps)},
      {"diagnostics", run.diagnostics()},
      {"created_at", Iso(run.created_at)},
      {"updated_at", Iso(run.updated_at)}};
}

Json RunsForAdmin(const WorkspaceState& ws) {
  Json results = Json::array();
  ws.runs.ForEach(
      [&](std::uint64_t, const AutomationRun& run) { results.push_back(RunForAdmin(ws, run)); });
  return {{"results", std::move(results)}, {"evicted", ws.runs.evicted()}};
}

}  // namespace mock_courier
