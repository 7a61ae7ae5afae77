/**
 * The mock chatbot's gRPC service, as .proto source (targets store the source, never a path).
 * Field names stay snake_case: the loader keeps the .proto's case.
 */
export const MOCK_CHAT_PROTO = `syntax = "proto3";

package krawall.mock;

message Turn {
  string role = 1;
  string content = 2;
}

message ChatRequest {
  string message = 1;
  repeated Turn history = 2;
  string persona = 3;
  string conversation_id = 4;
}

message Usage {
  int32 prompt_tokens = 1;
  int32 completion_tokens = 2;
  int32 total_tokens = 3;
}

message ChatReply {
  string content = 1;
  bool done = 2;
  Usage usage = 3;
  string error = 4;
}

service ChatService {
  rpc Chat (ChatRequest) returns (ChatReply);
  rpc ChatStream (ChatRequest) returns (stream ChatReply);
}
`
