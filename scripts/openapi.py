#!/usr/bin/env python3
"""Writes native-server/src/api/openapi.json, the OpenAPI 3.1 description of the server's
control API that GET /v1/openapi.json serves. Run it after changing a route or a body:
    python3 scripts/openapi.py > native-server/src/api/openapi.json
The server's tests check that every route in docs/http-api.md is described here and that every
operation described is routed."""
import json
def ref(n): return {"$ref": f"#/components/schemas/{n}"}
err = {"description": "An error; the body says what was wrong", "content": {"application/json": {"schema": ref("Error")}}}
def errors(*codes):
    return {str(c): err for c in codes}
def ok(desc, schema=None, code="200", ctype="application/json"):
    r = {"description": desc}
    if schema is not None:
        r["content"] = {ctype: {"schema": schema}}
    return {code: r}
def body(schema, required=True):
    return {"required": required, "content": {"application/json": {"schema": schema}}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}, "description": "endpoint id"}]
def op(summary, responses, request=None, params=None, tag="endpoints", opid=None):
    o = {"summary": summary, "tags": [tag], "operationId": opid, "responses": responses}
    if request: o["requestBody"] = request
    if params: o["parameters"] = params
    return o
S = lambda **kw: {"type": "string", **kw}
I = lambda **kw: {"type": "integer", **kw}
B = {"type": "boolean"}
N = {"type": "number"}
def obj(props, required=(), extra=False, desc=None):
    o = {"type": "object", "properties": props, "additionalProperties": extra}
    if required: o["required"] = list(required)
    if desc: o["description"] = desc
    return o
nullable_ms = {"type": ["integer", "null"], "minimum": 0}
collect_props = {
    "min_digits": I(minimum=1), "max_digits": I(minimum=1), "terminators": S(description="digits that end the entry, e.g. \"#\""),
    "first_digit_timeout_ms": nullable_ms, "inter_digit_timeout_ms": nullable_ms, "overall_timeout_ms": nullable_ms,
}
offer = obj({"codecs": {"type": "array", "items": S()}, "ptime_ms": I(minimum=10, maximum=120),
             "telephone_events": B, "rtcp_mux": B, "direction": S(enum=["sendrecv", "sendonly", "recvonly", "inactive"])})
schemas = {
  "Error": obj({"error": S(description="what was wrong")}, ["error"]),
  "Health": obj({"status": S(enum=["ok"])}, ["status"]),
  "OfferOptions": offer,
  "CreateEndpoint": obj({
      "codec": S(description="PCMU, PCMA, G722, opus or L16 (JSON form)"),
      "payload_type": I(minimum=0, maximum=127), "remote": S(description="ip:port to send RTP to"),
      "rtcp_mux": B, "ptime_ms": I(minimum=10, maximum=120),
      "sdp": S(description="a remote SDP offer to answer"), "codecs": {"type": "array", "items": S()},
      "offer": ref("OfferOptions"), "echo": B},
      desc="Exactly one of `codec`, `sdp` or `offer`."),
  "SdpUpdate": obj({"sdp": S(), "type": S(enum=["offer", "answer"]), "offer": ref("OfferOptions")},
      desc="A remote offer or answer (`sdp`, optionally `type`), or `offer` to make a new offer of ours."),
  "Endpoint": {"type": "object", "description": "The endpoint: id, codec, payload types, ports, remote, direction, and (when described) its live state, counters and receive statistics; `sdp` when one was produced.", "properties": {"id": S(), "codec": S(), "payload_type": I(), "local_port": I(), "local_rtcp_port": I(), "sdp": {"type": ["string", "null"]}}, "required": ["id"], "additionalProperties": True},
  "EndpointList": obj({"endpoints": {"type": "array", "items": ref("Endpoint")}}, ["endpoints"]),
  "ServerStats": {"type": "object", "properties": {"uptime_s": N, "endpoints": I(), "shards": {"type": "array", "items": {"type": "object", "additionalProperties": True}}}, "required": ["uptime_s", "endpoints", "shards"], "additionalProperties": True},
  "Play": obj({"file": S(), "looping": B, "gain_db": N, "interruptible": B, "queue": B, "start_offset_ms": I(minimum=0)}, ["file"]),
  "MusicOnHold": obj({"file": S(description="a file or a folder of files, looped"), "gain_db": N}, ["file"]),
  "Collect": obj(collect_props),
  "PlayAndCollect": obj({"prompts": {"type": "array", "items": S()}, "invalid_prompt": S(), "no_input_prompt": S(),
      "max_attempts": I(minimum=1), "accept": {"type": "array", "items": S()}, "barge_in": B, "gain_db": N, **collect_props}, ["prompts"]),
  "Dtmf": obj({"digits": S(pattern="^[0-9A-D*#]+$")}, ["digits"]),
  "RecordStart": obj({"name": S(), "layout": S(enum=["mono", "stereo", "mixed-mono"]), "format": S(enum=["wav", "ogg-opus"]),
      "bitrate": I(minimum=6000), "max_duration_ms": I(minimum=1), "max_bytes": I(minimum=1),
      "pause_mode": S(enum=["silence", "skip"]), "call_id": S(), "metadata": {"type": "object", "additionalProperties": S()}}, ["name"], extra=True),
  "Status": {"type": "object", "additionalProperties": True},
  "RecordingList": {"type": "object", "properties": {"recordings": {"type": "array", "items": {"type": "object", "additionalProperties": True}}}, "additionalProperties": True},
}
paths = {}
def add(path, method, o): paths.setdefault(path, {})[method] = o
add("/healthz", "get", op("Health check", ok("The server runs", ref("Health")), tag="server", opid="healthz"))
add("/v1/openapi.json", "get", op("This OpenAPI document", ok("OpenAPI 3.1", {"type": "object"}), tag="server", opid="openapi"))
add("/metrics", "get", op("Measurements in the Prometheus text format", ok("Text exposition 0.0.4", S(), ctype="text/plain"), tag="server", opid="metrics"))
add("/v1/stats", "get", op("Scheduling measurements per media shard", ok("Statistics", ref("ServerStats")), tag="server", opid="stats"))
add("/v1/endpoints", "post", op("Create an endpoint from JSON, by answering an SDP offer, or by making an offer",
    {**ok("Created", ref("Endpoint"), code="201"), **errors(400, 413, 415, 422, 500, 503)}, body(ref("CreateEndpoint")), opid="createEndpoint"))
add("/v1/endpoints", "get", op("List endpoints", ok("Every endpoint", ref("EndpointList")), opid="listEndpoints"))
add("/v1/endpoints/{id}", "get", op("Describe an endpoint", {**ok("The endpoint", ref("Endpoint")), **errors(404)}, params=ID, opid="getEndpoint"))
add("/v1/endpoints/{id}", "delete", op("Release an endpoint (final statistics returned)", {**ok("Released", ref("Endpoint")), **errors(404)}, params=ID, opid="deleteEndpoint"))
add("/v1/endpoints/{id}/sdp", "put", op("Remote offer or answer, or a new offer of ours (hold, codec change, new address)",
    {**ok("Our answer or offer", ref("Endpoint")), **errors(400, 404, 409, 413, 415, 422)}, body(ref("SdpUpdate")), ID, opid="updateSdp"))
media = [
  ("/v1/endpoints/{id}/play", "Play a prompt (or queue it)", "Play", "playPrompt"),
  ("/v1/endpoints/{id}/play/stop", "Stop prompts", None, "stopPrompt"),
  ("/v1/endpoints/{id}/moh/start", "Start music on hold", "MusicOnHold", "startMoh"),
  ("/v1/endpoints/{id}/moh/stop", "Stop music on hold", None, "stopMoh"),
  ("/v1/endpoints/{id}/collect", "Collect digits", "Collect", "collectDigits"),
  ("/v1/endpoints/{id}/collect/stop", "Stop collecting digits", None, "stopCollect"),
  ("/v1/endpoints/{id}/play_and_collect", "Play prompts and collect digits with retries", "PlayAndCollect", "playAndCollect"),
  ("/v1/endpoints/{id}/dtmf", "Send DTMF digits (RFC 4733)", "Dtmf", "sendDtmf"),
  ("/v1/endpoints/{id}/record/start", "Start recording the endpoint", "RecordStart", "startRecording"),
  ("/v1/endpoints/{id}/record/pause", "Pause the recording", None, "pauseRecording"),
  ("/v1/endpoints/{id}/record/resume", "Resume the recording", None, "resumeRecording"),
  ("/v1/endpoints/{id}/record/stop", "Stop and complete the recording", None, "stopRecording"),
]
for path, summary, schema, opid in media:
    add(path, "post", op(summary, {**ok("Done", ref("Status")), **errors(400, 404, 409, 413, 415, 422)},
        body(ref(schema)) if schema else None, ID, tag="media", opid=opid))
BID = [{"name": "id", "in": "path", "required": True, "schema": S(), "description": "bridge id"}]
CID = [{"name": "id", "in": "path", "required": True, "schema": S(), "description": "conference id"}]
PID = CID + [{"name": "endpoint", "in": "path", "required": True, "schema": S(), "description": "the participant's endpoint id"}]
role = S(enum=["speaker", "listener", "moderator"])
schemas["CreateBridge"] = obj({"endpoints": {"type": "array", "items": S(), "minItems": 2, "maxItems": 2},
    "mode": S(enum=["auto", "passthrough", "transcode"])}, ["endpoints"])
schemas["CreateConference"] = obj({"sample_rate": I(enum=[8000, 16000, 48000]), "max_participants": I(minimum=1), "max_talkers": I(minimum=1)})
schemas["AddParticipant"] = obj({"endpoint": S(), "role": role, "muted": B, "deaf": B}, ["endpoint"])
schemas["ChangeParticipant"] = obj({"role": role, "muted": B, "deaf": B}, desc="At least one field.")
schemas["Bridge"] = {"type": "object", "properties": {"id": S(), "endpoints": {"type": "array", "items": S()}, "mode": S()}, "required": ["id"], "additionalProperties": True}
schemas["BridgeList"] = obj({"bridges": {"type": "array", "items": ref("Bridge")}}, ["bridges"])
schemas["Conference"] = {"type": "object", "properties": {"id": S(), "participants": {"type": "array", "items": {"type": "object", "additionalProperties": True}}}, "required": ["id"], "additionalProperties": True}
schemas["ConferenceList"] = obj({"conferences": {"type": "array", "items": ref("Conference")}}, ["conferences"])
add("/v1/bridges", "post", op("Bridge two endpoints: pass-through when they share a codec, transcoding otherwise; DTMF carried across",
    {**ok("Created", ref("Bridge"), code="201"), **errors(400, 404, 409, 413, 415, 422)}, body(ref("CreateBridge")), tag="bridges", opid="createBridge"))
add("/v1/bridges", "get", op("List bridges", ok("Every bridge", ref("BridgeList")), tag="bridges", opid="listBridges"))
add("/v1/bridges/{id}", "get", op("Describe a bridge", {**ok("The bridge", ref("Bridge")), **errors(404)}, params=BID, tag="bridges", opid="getBridge"))
add("/v1/bridges/{id}", "delete", op("Unbridge (both endpoints go on alone)", {**ok("Ended", ref("Bridge")), **errors(404)}, params=BID, tag="bridges", opid="deleteBridge"))
for verb, summary in [("start", "Start a stereo recording of the bridge (one party per channel)"), ("pause", "Pause the bridge's recording"), ("resume", "Resume the bridge's recording"), ("stop", "Stop and complete the bridge's recording")]:
    add(f"/v1/bridges/{{id}}/record/{verb}", "post", op(summary, {**ok("Done", ref("Status")), **errors(400, 404, 409, 413, 415, 422)},
        body(ref("RecordStart")) if verb == "start" else None, BID, tag="bridges", opid=f"{verb}BridgeRecording"))
add("/v1/conferences", "post", op("Create a conference", {**ok("Created", ref("Conference"), code="201"), **errors(400, 413, 415, 422)}, body(ref("CreateConference"), required=False), tag="conferences", opid="createConference"))
add("/v1/conferences", "get", op("List conferences", ok("Every conference", ref("ConferenceList")), tag="conferences", opid="listConferences"))
add("/v1/conferences/{id}", "get", op("Describe a conference: participants, talking, levels", {**ok("The conference", ref("Conference")), **errors(404)}, params=CID, tag="conferences", opid="getConference"))
add("/v1/conferences/{id}", "delete", op("Delete a conference (its endpoints go on alone)", {**ok("Deleted", ref("Conference")), **errors(404)}, params=CID, tag="conferences", opid="deleteConference"))
add("/v1/conferences/{id}/participants", "post", op("Move an endpoint into the conference with a role", {**ok("Joined", ref("Status")), **errors(400, 404, 409, 413, 415, 422)}, body(ref("AddParticipant")), CID, tag="conferences", opid="addParticipant"))
add("/v1/conferences/{id}/participants/{endpoint}", "patch", op("Change a participant's role, mute or deaf", {**ok("Changed", ref("Status")), **errors(400, 404, 413, 415, 422)}, body(ref("ChangeParticipant")), PID, tag="conferences", opid="changeParticipant"))
add("/v1/conferences/{id}/participants/{endpoint}", "delete", op("Take an endpoint out of the conference (it goes on alone)", {**ok("Left", ref("Status")), **errors(404)}, params=PID, tag="conferences", opid="removeParticipant"))
for verb, summary in [("start", "Start recording the conference's mix"), ("pause", "Pause the conference's recording"), ("resume", "Resume the conference's recording"), ("stop", "Stop and complete the conference's recording")]:
    add(f"/v1/conferences/{{id}}/record/{verb}", "post", op(summary, {**ok("Done", ref("Status")), **errors(400, 404, 409, 413, 415, 422)},
        body(ref("RecordStart")) if verb == "start" else None, CID, tag="conferences", opid=f"{verb}ConferenceRecording"))
add("/v1/recordings", "get", op("List finished recordings", ok("Recordings", ref("RecordingList")), tag="recordings", opid="listRecordings"))
add("/v1/recordings/{name}", "get", op("Download a recording", {**ok("The file", S(format="binary"), ctype="application/octet-stream"), **errors(400, 404, 409)},
    params=[{"name": "name", "in": "path", "required": True, "schema": S(), "description": "path inside the recordings folder"}], tag="recordings", opid="downloadRecording"))
add("/v1/events", "get", op("Event stream (WebSocket upgrade): JSON messages for dtmf, playback, collect, recording, rtp_timeout, quality, endpoint_closed ...",
    {"101": {"description": "Switching to WebSocket"}}, tag="events", opid="events"))
doc = {
  "openapi": "3.1.0",
  "info": {"title": "mediacore-server control API", "version": "1",
           "description": "The HTTP/JSON API a B2BUA uses to drive the mediacore media server. Full descriptions in docs/http-api.md. Every error answers `{\"error\": \"...\"}`; with a configured token every request needs `Authorization: Bearer <token>` (401 otherwise)."},
  "servers": [{"url": "http://127.0.0.1:8080"}],
  "security": [{}, {"bearer": []}],
  "paths": paths,
  "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
}
print(json.dumps(doc, indent=1))
