// Which node-llama-cpp chat wrapper formats a model's prompts, in this order:
//  1. node-llama-cpp's specialised wrapper for the family (Qwen, Llama 3.x, Mistral, Gemma,
//     DeepSeek, ...), when `resolveChatWrapper` finds that it renders the GGUF's Jinja template
//     the same way. Specialised wrappers know the family's reasoning segments (Qwen3's
//     `<think>`) and stop tokens, which a rendered template does not.
//  2. The GGUF's own Jinja template (a family node-llama-cpp has no wrapper for: Phi-3, Granite).
//  3. GeneralChatWrapper, explicitly: no template, or one that cannot be used. node-llama-cpp's
//     own last resorts guess from the file name or architecture and differ from model to model.
import type { GgufInfo } from "../gguf/types.js";
import type { NodeLlamaCpp } from "./nodeLlamaCpp.js";
import type { ProbeResult } from "./loadProbe.js";

type LlamaModel = Awaited<ReturnType<Awaited<ReturnType<NodeLlamaCpp["getLlama"]>>["loadModel"]>>;
export type ChatWrapper = ReturnType<NodeLlamaCpp["resolveChatWrapper"]> & object;

/**
 * Settings for specialised wrappers. Docent offers the model no functions, so Llama 3.1's
 * wrapper leaves out its "# Tool Instructions" lines (the template writes them only with tools).
 */
const WRAPPER_SETTINGS = { "llama3.1": { noToolInstructions: true } } as const;

/**
 * The wrapper for `model`. Rendering is synchronous and runs on every prompt, so when the probe
 * found the template slow or failing (a template that loops), the template is never rendered:
 * a family recognised from its text (as llama.cpp does), else node-llama-cpp's resolution
 * without the template (the model's name), else general. node-llama-cpp's `noJinja` is not
 * enough: its comparison with its own wrappers still renders the template.
 */
export function pickChatWrapper(lib: NodeLlamaCpp, model: LlamaModel, info: GgufInfo, probe: ProbeResult | undefined): ChatWrapper {
  if (!info.hasChatTemplate) return new lib.GeneralChatWrapper();
  const fileInfo = model.fileInfo;
  const base = {
    bosString: model.tokens.bosString,
    architecture: fileInfo.metadata.general.architecture,
    filename: model.filename,
    tokenizer: model.tokenizer,
    // What resolveChatWrapper(model) passes too: llama.cpp's own Jinja renderer, for templates
    // node-llama-cpp's JavaScript renderer cannot parse.
    llama: (model as unknown as { _llama?: never })._llama,
    warningLogs: false,
  };
  if (probe === undefined || probe.template === "ok") {
    try {
      // No silent fallback on a template error: the general wrapper below is the fallback.
      const wrapper = lib.resolveChatWrapper({ ...base, fileInfo, fallbackToOtherWrappersOnJinjaError: false, customWrapperSettings: WRAPPER_SETTINGS });
      if (wrapper) return wrapper;
    } catch {
      // The template does not render with node-llama-cpp's Jinja engine.
    }
    return new lib.GeneralChatWrapper();
  }
  const family = familyFromTemplateText(info.chatTemplate ?? "");
  if (family !== undefined) return lib.resolveChatWrapper({ type: family, warningLogs: false }) ?? new lib.GeneralChatWrapper();
  const withoutTemplate = { ...fileInfo, metadata: { ...fileInfo.metadata, tokenizer: { ...fileInfo.metadata.tokenizer, chat_template: undefined } } };
  return lib.resolveChatWrapper({ ...base, fileInfo: withoutTemplate as typeof fileInfo, noJinja: true }) ?? new lib.GeneralChatWrapper();
}

/** The chat format a template's text names, without rendering it (llama.cpp's own heuristics). */
export function familyFromTemplateText(template: string): "chatML" | "llama3" | "llama2Chat" | "gemma" | undefined {
  if (template.includes("<|im_start|>")) return "chatML";
  if (template.includes("<|start_header_id|>") && template.includes("<|end_header_id|>")) return "llama3";
  if (template.includes("[INST]")) return "llama2Chat";
  if (template.includes("<start_of_turn>")) return "gemma";
  return undefined;
}

/** node-llama-cpp's name of a wrapper ("Qwen", "Llama 3.1", "JinjaTemplate", "General", ...). */
export function chatWrapperName(wrapper: unknown): string | undefined {
  return (wrapper as { wrapperName?: string } | undefined)?.wrapperName;
}
