/**
 * Sign in or create an account, in a modal dialog opened from the header (the forms are
 * auth_forms.tsx, shared with the sign-in card). Closes when signed in.
 */
import { useLayoutEffect, useRef } from "preact/hooks";
import { t } from "../i18n/i18n.ts";
import { AuthForms } from "./auth_forms.tsx";

export function AuthDialog(
  { providers, onClose }: { providers: string[]; onClose: () => void },
) {
  const dialog = useRef<HTMLDialogElement>(null);
  // Modal in the same task that mounts it, so no key or click reaches the page behind it.
  useLayoutEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      id="auth-dialog"
      class="auth-dialog"
      ref={dialog}
      aria-label={t("auth.signIn")}
      onClose={onClose}
    >
      <button
        id="auth-close"
        type="button"
        class="close"
        aria-label={t("auth.close")}
        onClick={() => dialog.current?.close()}
      >
        ×
      </button>
      <AuthForms providers={providers} onDone={() => dialog.current?.close()} />
    </dialog>
  );
}
