#include "adapters/web/json_mapping.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/status.h"

namespace hotdesk::web {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Struct;
using google::protobuf::Value;

absl::Status Invalid(const std::string& field, const std::string& why) {
  FieldViolations v;
  v.Add(field, why);
  return v.ToStatus();
}

// Finds a field by proto name or JSON name.
const FieldDescriptor* FindField(const Descriptor* d, const std::string& name) {
  if (const auto* f = d->FindFieldByName(name)) return f;
  for (int i = 0; i < d->field_count(); ++i)
    if (d->field(i)->json_name() == name) return d->field(i);
  return nullptr;
}

// Puts `text` at the dotted `path` of `root` (a JSON object mirroring `type`), typed as the
// field's JSON form: booleans as JSON booleans, everything else as a string, which protobuf's
// JSON parser accepts for numbers, enums, Durations, Timestamps and FieldMasks alike.
absl::Status Put(Struct* root, const Descriptor* type, const std::string& path,
                 const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  Struct* at = root;
  const Descriptor* d = type;
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* f = d ? FindField(d, parts[i]) : nullptr;
    if (f == nullptr) return Invalid(path, "no such field");
    if (f->is_repeated() && !f->is_map()) {
      // Repeated fields are not settable from a query string in this API.
      return Invalid(path, "a list field cannot be set from the URL");
    }
    bool last = i + 1 == parts.size();
    Value& v = (*at->mutable_fields())[f->json_name()];
    if (last) {
      if (f->type() == FieldDescriptor::TYPE_BOOL) {
        if (text != "true" && text != "false") return Invalid(path, "expected true or false");
        v.set_bool_value(text == "true");
      } else if (f->type() == FieldDescriptor::TYPE_MESSAGE &&
                 f->message_type()->well_known_type() == Descriptor::WELLKNOWNTYPE_UNSPECIFIED) {
        return Invalid(path, "a message field cannot be set from the URL");
      } else {
        v.set_string_value(text);
      }
      return absl::OkStatus();
    }
    if (f->type() != FieldDescriptor::TYPE_MESSAGE) return Invalid(path, "no such field");
    at = v.mutable_struct_value();
    d = f->message_type();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FromJson(const std::string& json, google::protobuf::Message* message,
                      const std::string& what) {
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  auto st = google::protobuf::util::JsonStringToMessage(json, message, opts);
  if (!st.ok()) return Invalid(what, std::string(st.message()));
  return absl::OkStatus();
}

absl::Status BuildRequest(const HttpParts& parts, google::protobuf::Message* request) {
  const Descriptor* type = request->GetDescriptor();
  std::unique_ptr<google::protobuf::Message> from_body(request->New());
  if (parts.body_field.empty()) {
    if (!parts.body.empty()) return Invalid("body", "this method takes no body");
  } else if (!parts.body.empty()) {
    if (parts.body_field == "*") {
      if (auto st = FromJson(parts.body, from_body.get(), "body"); !st.ok()) return st;
    } else {
      const FieldDescriptor* f = type->FindFieldByName(parts.body_field);
      if (f == nullptr || f->type() != FieldDescriptor::TYPE_MESSAGE)
        return absl::InternalError("route names a body field the request lacks");
      auto* sub = from_body->GetReflection()->MutableMessage(from_body.get(), f);
      if (auto st = FromJson(parts.body, sub, "body"); !st.ok()) return st;
    }
  }

  // Each parameter on its own, so that an error names it.
  std::unique_ptr<google::protobuf::Message> from_query(request->New()), from_path(request->New());
  auto apply = [&](const std::string& name, const std::string& text,
                   google::protobuf::Message* into) -> absl::Status {
    Struct one;
    if (auto st = Put(&one, type, name, text); !st.ok()) return st;
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(one, &json).ok())
      return absl::InternalError("cannot print a parameter object");
    std::unique_ptr<google::protobuf::Message> m(request->New());
    if (auto st = FromJson(json, m.get(), name); !st.ok()) return st;
    into->MergeFrom(*m);
    return absl::OkStatus();
  };
  for (const auto& [k, v] : parts.query)
    if (auto st = apply(k, v, from_query.get()); !st.ok()) return st;
  for (const auto& [k, v] : parts.path_vars)
    if (auto st = apply(k, v, from_path.get()); !st.ok()) return st;
  request->Clear();
  request->MergeFrom(*from_body);
  request->MergeFrom(*from_query);
  request->MergeFrom(*from_path);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  std::string out;
  auto st = google::protobuf::util::MessageToJsonString(message, &out);
  if (!st.ok())
    return absl::InternalError(absl::StrCat("cannot print ", message.GetDescriptor()->full_name(),
                                            " as JSON: ", std::string(st.message())));
  return out;
}

}  // namespace hotdesk::web
