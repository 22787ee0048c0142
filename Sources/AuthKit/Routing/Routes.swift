/// The route table (API.md §5–§7 plus `healthz`), built in this one function.
public enum Routes {
    /// Every controller, built once from the settings and shared (immutable) by all workers.
    public struct Controllers: Sendable {
        public var health = HealthController()
        public var login: LoginController
        public var tokens: TokenController
        public var logout: LogoutController
        public var user = UserController()
        public var mfaLogin: MFALoginController
        public var mfa: MFAController
        public var passwordChange: PasswordChangeController
        public var passwordReset: PasswordResetController
        public var registration: RegistrationController
        public var passkeys: PasskeyController
        public var passwordless: PasswordlessController

        public init(settings: Settings, lanes: HashLanes, registry: MFAHandlerRegistry = .builtIn,
                    passwordPolicy: PasswordPolicy? = nil) {
            let sessions = SessionIssuer(tokens: settings.tokens, cookies: settings.cookies, basePath: settings.server.basePath)
            let service = MFAService(settings: settings, handlers: MFAHandlers(settings: settings, registry: registry), lanes: lanes)
            mfaLogin = MFALoginController(mfa: service, sessions: sessions)
            mfa = MFAController(mfa: service)
            login = LoginController(security: settings.security, hashing: settings.hashing, lanes: lanes,
                                    sessions: sessions, mfaLogin: mfaLogin)
            tokens = TokenController(tokens: settings.tokens, cookies: settings.cookies)
            logout = LogoutController(tokens: settings.tokens, cookies: settings.cookies)
            let rules = NewPasswordRules(policy: passwordPolicy ?? NewPasswordRules.policy(settings.passwords))
            let notices = SecurityNotices(settings.email)
            passwordChange = PasswordChangeController(hashing: settings.hashing, security: settings.security, lanes: lanes,
                                                      rules: rules, notices: notices)
            passwordReset = PasswordResetController(settings: settings, lanes: lanes, rules: rules, notices: notices)
            registration = RegistrationController(settings: settings, lanes: lanes, rules: rules)
            passkeys = PasskeyController(settings: settings.webauthn)
            passwordless = PasswordlessController(settings: settings, mfa: service, sessions: sessions,
                                                  mfaLogin: mfaLogin)
        }
    }

    public static func make(settings: Settings, controllers c: Controllers) -> [Route] {
        let names = settings.mfa.handlers
        func route(_ path: String, _ slash: Route.TrailingSlash, authenticated: Bool, throttles: [ThrottleScope] = [],
                   metadata: String? = nil, _ handlers: [HTTPMethod: Handler]) -> Route {
            make(path, slash, authenticated, throttles, metadata, handlers)
        }
        func make(_ path: String, _ slash: Route.TrailingSlash, _ authenticated: Bool, _ throttles: [ThrottleScope],
                  _ metadata: String?, _ handlers: [HTTPMethod: Handler]) -> Route {
            // The unauthenticated routes that take credentials or tokens are rate-limited per
            // client network (drf-auth-kit's auth_kit scope).
            let scopes = path.hasPrefix("login") || path.hasPrefix("token") ? [ThrottleScope.authKit] : throttles
            return Route(path, slash: slash, authenticated: authenticated, throttles: scopes,
                         metadata: RouteMetadata.object(for: metadata ?? path, methodNames: names), handlers: handlers)
        }
        // Changes to one's own methods cost hashing, email or a secret: per user.
        let manage: [ThrottleScope] = [.mfa]
        return [
            route("healthz", .optional, authenticated: false, [.get: { try c.health.show(&$0) }]),

            // Login flow (§5): no authentication, slash optional.
            route("login", .optional, authenticated: false, [.post: { try c.login.login(&$0) }]),
            route("login/verify", .optional, authenticated: false, [.post: { try c.mfaLogin.verify(&$0) }]),
            route("login/change-method", .optional, authenticated: false, [.post: { try c.mfaLogin.changeMethod(&$0) }]),
            route("login/resend", .optional, authenticated: false, [.post: { try c.mfaLogin.resend(&$0) }]),
            route("login/challenge", .optional, authenticated: false, [.post: { try c.mfaLogin.challenge(&$0) }]),

            // Tokens, logout, user (§7).
            route("token/refresh", .optional, authenticated: false, [.post: { try c.tokens.refresh(&$0) }]),
            route("token/verify", .optional, authenticated: false, [.post: { try c.tokens.verify(&$0) }]),
            route("logout", .optional, authenticated: true, [.post: { try c.logout.logout(&$0) }]),
            // Log out everywhere (not in drf-auth-kit; docs/compatibility.md).
            route("logout/all", .optional, authenticated: true, [.post: { try c.logout.logoutEverywhere(&$0) }]),
            route("user", .optional, authenticated: true,
                  [.get: { try c.user.show(&$0) }, .put: { try c.user.replace(&$0) }, .patch: { try c.user.modify(&$0) }]),

            // Passwords (issue 14): slash optional. A change or a reset ends the user's sessions.
            route("password/change", .optional, authenticated: true,
                  metadata: settings.account.oldPasswordFieldEnabled ? RouteMetadata.passwordChangeWithOldPassword : nil,
                  [.post: { try c.passwordChange.change(&$0) }]),
            // Requests per client network (429) and, inside the controller, mails per address.
            route("password/reset", .optional, authenticated: false, throttles: [.passwordReset],
                  [.post: { try c.passwordReset.request(&$0) }]),
            // Takes a token: counted with the login and token routes.
            route("password/reset/confirm", .optional, authenticated: false, throttles: [.authKit],
                  [.post: { try c.passwordReset.confirm(&$0) }]),

            // Registration (issue 14): slash optional. Sign-ups and re-sends per client network
            // (429) and, inside the controller, confirmation mails per address.
            route("registration", .optional, authenticated: false, throttles: [.registration],
                  [.post: { try c.registration.register(&$0) }]),
            // Takes a key: counted with the login and token routes. The reference documents a GET
            // that always answers 405, and lists GET and HEAD in Allow: so does this route.
            route("registration/verify-email", .optional, authenticated: false, throttles: [.authKit],
                  [.get: { try c.registration.verifyGet(&$0) }, .post: { try c.registration.verify(&$0) }]),
            route("registration/resend-email", .optional, authenticated: false, throttles: [.registration],
                  [.post: { try c.registration.resend(&$0) }]),

            // Method management (§6): authenticated, slash required. HTTP DELETE is not routed
            // to the delete action (the reference's quirk §8.1): it gets 405 here.
            // GET is never counted (Route.throttles): only creating a method is.
            route("mfa", .required, authenticated: true, throttles: [.mfa, .mfaSetup],
                  [.get: { try c.mfa.list(&$0) }, .post: { try c.mfa.create(&$0) }]),
            route("mfa/confirm", .required, authenticated: true, throttles: manage, [.post: { try c.mfa.confirm(&$0) }]),
            route("mfa/deactivate", .required, authenticated: true, throttles: manage, [.post: { try c.mfa.deactivate(&$0) }]),
            route("mfa/primary", .required, authenticated: true, throttles: manage, [.post: { try c.mfa.primary(&$0) }]),
            route("mfa/send", .required, authenticated: true, throttles: manage, [.post: { try c.mfa.send(&$0) }]),
            route("mfa/delete", .required, authenticated: true, throttles: manage, [.post: { try c.mfa.delete(&$0) }]),
            route("mfa/challenge", .required, authenticated: true, [.post: { try c.mfa.challenge(&$0) }]),
            // Recovery codes you can manage (not in drf-auth-kit; docs/compatibility.md).
            route("mfa/backup-codes", .required, authenticated: true, [.get: { try c.mfa.backupCodes(&$0) }]),
            route("mfa/backup-codes/regenerate", .required, authenticated: true, throttles: manage,
                  [.post: { try c.mfa.regenerateBackupCodes(&$0) }]),
        ] + passkeyRoutes(settings, c, make) + passwordlessRoutes(settings, c, make)
    }

    typealias RouteMaker = (String, Route.TrailingSlash, Bool, [ThrottleScope], String?,
                            [HTTPMethod: Handler]) -> Route

    /// webauthn/credentials/ (§13): with the webauthn MFA handler, as the reference's app is
    /// installed with it. Authenticated, slash required (a DRF router); changes count per user.
    static func passkeyRoutes(_ settings: Settings, _ c: Controllers,
                              _ route: RouteMaker) -> [Route] {
        guard settings.mfa.handlers.contains(WebAuthnHandler.methodName) else { return [] }
        return [
            route("webauthn/credentials", .required, true, [.mfa], nil,
                  [.get: { try c.passkeys.list(&$0) }, .post: { try c.passkeys.create(&$0) }]),
            route("webauthn/credentials/register_options", .required, true, [.mfa], nil,
                  [.post: { try c.passkeys.registerOptions(&$0) }]),
            route("webauthn/credentials/{id}", .required, true, [.mfa], nil,
                  [.delete: { try c.passkeys.delete(&$0) }]),
            route("webauthn/credentials/{id}/rename", .required, true, [.mfa], nil,
                  [.patch: { try c.passkeys.rename(&$0) }]),
        ]
    }

    /// passwordless/ (§14): only with USE_PASSWORDLESS and the handler listed. No
    /// authentication; counted per client network with the login routes.
    static func passwordlessRoutes(_ settings: Settings, _ c: Controllers,
                                   _ route: RouteMaker) -> [Route] {
        var routes: [Route] = []
        if settings.passwordless.serves(.webauthn) {
            routes += [
                route("passwordless/webauthn/initiate", .optional, false, [.authKit], nil,
                      [.post: { try c.passwordless.passkeyInitiate(&$0) }]),
                route("passwordless/webauthn/verify", .optional, false, [.authKit], nil,
                      [.post: { try c.passwordless.passkeyVerify(&$0) }]),
            ]
        }
        if settings.passwordless.serves(.email) {
            routes += [
                route("passwordless/email/initiate", .optional, false, [.authKit], nil,
                      [.post: { try c.passwordless.linkInitiate(&$0) }]),
                route("passwordless/email/verify", .optional, false, [.authKit], nil,
                      [.post: { try c.passwordless.linkVerify(&$0) }]),
            ]
        }
        return routes
    }
}
