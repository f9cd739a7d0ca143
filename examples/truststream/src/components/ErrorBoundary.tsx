import { Component, type ErrorInfo, type ReactNode } from 'react'

interface Props {
  children: ReactNode
  fallback?: ReactNode
}

interface State {
  hasError: boolean
  error: Error | null
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { hasError: false, error: null }

  static getDerivedStateFromError(error: Error): State {
    return { hasError: true, error }
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    // TODO: send to an error tracker once we pick one
    console.error('Uncaught error in component tree', error, info.componentStack)
  }

  handleReload = () => {
    this.setState({ hasError: false, error: null })
    window.location.reload()
  }

  render() {
    if (this.state.hasError) {
      return (
        this.props.fallback ?? (
          <div className="container" role="alert">
            <h1>Something went wrong</h1>
            <p>{this.state.error?.message}</p>
            <button type="button" onClick={this.handleReload}>
              Reload
            </button>
          </div>
        )
      )
    }
    return this.props.children
  }
}
