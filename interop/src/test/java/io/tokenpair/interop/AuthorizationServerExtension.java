package io.tokenpair.interop;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link SpringAuthorizationServer} parameter: one server for the whole test run,
 * started on first use and stopped when the run ends. Before each test its recorder is cleared; its
 * clock keeps its time (it only moves forward, and every test signs in afresh).
 */
final class AuthorizationServerExtension implements ParameterResolver, BeforeEachCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(AuthorizationServerExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SpringAuthorizationServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return server(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    server(context).recorder().clear();
  }

  private static SpringAuthorizationServer server(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            SpringAuthorizationServer.class,
            key -> SpringAuthorizationServer.start(),
            SpringAuthorizationServer.class);
  }
}
