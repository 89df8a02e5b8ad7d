// One contribution's error boundary: a screen that throws (or a remote that does not load)
// shows a small inline error naming the plugin and module; the rest of the page keeps working.
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  readonly pluginId: string;
  readonly module: string | undefined;
  /** A new value clears the error (the user went to another page). */
  readonly resetKey?: unknown;
  readonly children: ReactNode;
}

interface State {
  readonly error: unknown;
  readonly resetKey: unknown;
}

export class ContributionBoundary extends Component<Props, State> {
  override state: State = { error: undefined, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error ?? new Error('unknown error') };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey === state.resetKey ? null : { error: undefined, resetKey: props.resetKey };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error(
      `[dotmac shell] ${this.props.pluginId} ${this.props.module ?? ''} failed`,
      error,
      info.componentStack,
    );
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (error === undefined) return this.props.children;
    const { pluginId, module } = this.props;
    const message = error instanceof Error ? error.message : String(error);
    return (
      <div className="dm-slot-error" role="alert">
        <strong>{module ? `${pluginId} ${module} could not be shown.` : `${pluginId} could not be shown.`}</strong>{' '}
        <span>{message}</span>
      </div>
    );
  }
}
